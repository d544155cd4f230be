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
  <h1><svg class="logo" viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="8" fill="#e8590c"/><path d="M9 13h14l-2 13H11z" fill="#fff"/><path d="M9.5 13l1.8 13M16 13v13M22.5 13l-1.8 13" stroke="#e8590c" stroke-width="1.6"/><circle cx="11" cy="10.5" r="3" fill="#ffe8cc"/><circle cx="16" cy="8.5" r="3.4" fill="#ffe8cc"/><circle cx="21" cy="10.5" r="3" fill="#ffe8cc"/></svg> tastebud</h1>
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
