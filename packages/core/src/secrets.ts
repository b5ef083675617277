/**
 * A connection URL safe to print: the password (and any `password=` / `sslpassword=` query value)
 * replaced by `***`. Works on URLs whose password contains `@`, `:` or `/`, and on text that only
 * contains such a URL (an error message), by masking from the first `//user:` to the last `@` of
 * the authority.
 */
export function maskUrlCredentials(text: string): string {
  return text
    .replace(/(\/\/[^:/?#\s@]*):[^\s]*@(?=[^@\s]*$|[^@\s]*[\s/?#])/g, '$1:***@')
    .replace(/([?&;](?:ssl)?password=)[^&;\s]*/gi, '$1***');
}
