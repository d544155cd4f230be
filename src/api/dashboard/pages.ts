/** The login page, rendered on the server (the one page that must work before any session exists). */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

export function loginPage(error?: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>tastebud · dashboard login</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/assets/style.css">
</head>
<body class="login">
<main class="login-card">
  <h1><span class="logo" aria-hidden="true">🍿</span> tastebud</h1>
  <p class="muted">Dashboard for admins. Log in with an API key of the <b>admin</b> scope
  (<code>tastebud api-key create --scope admin --name you</code>).</p>
  ${error ? `<p class="error" role="alert" id="login-error">${escapeHtml(error)}</p>` : ''}
  <form method="post" action="/dashboard/login" autocomplete="off">
    <label for="key">API key</label>
    <input id="key" name="key" type="password" required minlength="16" maxlength="200" autofocus spellcheck="false">
    <button type="submit">Log in</button>
  </form>
  <p class="muted small">The key is checked and forgotten: the browser keeps only a signed session cookie.</p>
</main>
</body>
</html>
`;
}
