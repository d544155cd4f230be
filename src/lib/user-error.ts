/** An error meant for the person at the terminal: the CLI prints it as one line, exit code 1, no stack. */
export class UserError extends Error {
  override name = 'UserError';
}
