const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*)(:[^\s/@]*)?@/gi;
const SIGNED_QUERY =
  /([?&](?:token|sig|signature|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|apikey|api_key|access_token|key)=)[^&\s"']+/gi;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;
const ANTHROPIC_KEY = /\bsk-ant-[A-Za-z0-9_-]+/g;
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/g;

/**
 * Removes what must never reach a log or an error message: passwords in connection URLs, signed URL
 * query parameters, bearer tokens, API keys and JWTs.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(URL_CREDENTIALS, (_m, scheme: string, user: string, pass?: string) =>
      pass ? `${scheme}${user}:***@` : `${scheme}${user}@`,
    )
    .replace(SIGNED_QUERY, "$1***")
    .replace(BEARER, "$1***")
    .replace(ANTHROPIC_KEY, "sk-ant-***")
    .replace(JWT, "***.jwt.***");
}
