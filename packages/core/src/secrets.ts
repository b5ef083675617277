const MASK = '***';

// `scheme://user:password@host`: from the first `//user:` to the last `@` before whitespace whose
// remainder looks like the rest of an authority, so passwords holding `@`, `:` or `/` are masked whole.
const URL_USERINFO = /(\/\/[^:/?#\s@]*):[^\s]*@(?=[^@\s]*$|[^@\s]*[\s/?#])/g;
// The same with a password holding spaces (never valid in a URL, but typed that way): up to an `@`
// followed by a host, on one line, with no `/` in between (so `host:5432/db ... a@b` is left alone).
const URL_USERINFO_WITH_SPACES = /(\/\/[^:/?#\s@]*):[^@\n/]*@(?=[\w.[\]-]+(?::\d+)?(?:[/?#\s'",;)]|$))/g;
// `password=...` in a query string or a key=value connection string, `PGPASSWORD=...`, JSON's
// `"password": "..."`, ODBC's `Pwd=...;`: the value, quoted or up to the next separator.
const KEYWORD_VALUE =
  /((?:^|[^a-z0-9])["']?[a-z_]*(?:password|passwd)["']?\s*[=:]\s*|(?:^|[?&;\s,{(])["']?pwd["']?\s*[=:]\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^&;\s,'"})]+)/gi;

const PASSWORD_KEY = /(?:password|passwd|pwd)$/i;

/** Passwords spelled out in `urls` (userinfo and `password=` values), raw and percent-decoded. */
function passwordsIn(urls: readonly string[]): string[] {
  const found = new Set<string>();
  for (const url of urls) {
    try {
      const parsed = new URL(url);
      if (parsed.password) found.add(parsed.password);
      for (const [key, value] of parsed.searchParams) if (PASSWORD_KEY.test(key)) found.add(value);
    } catch {
      // Not a WHATWG URL (a '#' or a space in the password, a key=value string): the patterns below still apply.
    }
    // Up to the last '@' of the string: a password holding '@' is kept whole.
    const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^\n]*)@/i.exec(url)?.[1];
    if (userinfo?.includes(':')) found.add(userinfo.slice(userinfo.indexOf(':') + 1));
    for (const match of url.matchAll(/(?:^|[?&;\s])[a-z_]*(?:password|passwd|pwd)\s*=\s*(?:'([^']*)'|"([^"]*)"|([^&;\s]*))/gi)) {
      found.add(match[1] ?? match[2] ?? match[3] ?? '');
    }
  }
  const spellings = [...found].flatMap((secret) => {
    try {
      return [secret, decodeURIComponent(secret)];
    } catch {
      return [secret];
    }
  });
  // Very short values would mask ordinary words; the patterns below still hide them in URLs.
  return [...new Set(spellings)].filter((secret) => secret.length >= 3).sort((a, b) => b.length - a.length);
}

/**
 * Text safe to print: every database credential replaced by `***`. Masks the password of any
 * `scheme://user:password@host` URL (postgres, postgresql, mongodb+srv, redis, ...), including
 * passwords holding `@`, `:`, `/`, `%40` or spaces, and the value of `password=` / `sslpassword=` /
 * `PGPASSWORD=` / `pwd=` in query strings and key=value connection strings, and of `"password":` in
 * JSON. Pass the `urls` the text may quote (the connection string an error came from): their
 * passwords are also masked wherever a driver repeated them outside a URL.
 *
 * @example
 * maskUrlCredentials('cannot reach postgres://app:s3cr@t@db:5432/runs'); // 'cannot reach postgres://app:***@db:5432/runs'
 */
export function maskUrlCredentials(text: string, urls: readonly string[] = []): string {
  let masked = String(text);
  for (const secret of passwordsIn(urls)) masked = masked.split(secret).join(MASK);
  return masked
    .replace(URL_USERINFO, `$1:${MASK}@`)
    .replace(URL_USERINFO_WITH_SPACES, `$1:${MASK}@`)
    .replace(KEYWORD_VALUE, (_, key: string, value: string) => (value === MASK ? `${key}${value}` : `${key}${MASK}`));
}
