/**
 * The JSON body boundary: nesting depth is bounded on the raw text, before anything parses or walks it. Code behind
 * the routes walks values recursively (the push route's unstorable-text check, zod): a body nested thousands deep
 * would overflow the stack there and surface as a 500. Here the scan is one loop over the characters, no recursion,
 * so the limit holds at any input size (the body size itself is bounded by Fastify's `bodyLimit`).
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from './route';

/**
 * Deepest nesting of arrays and objects a request body may have. The deepest legitimate body (a push: body → events
 * → event → payload → a list of lines → a line) is about 6; 64 leaves room for events of newer station versions.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text nests arrays/objects deeper than `limit`. Brackets inside strings do not count (escapes are
 * followed); the text need not be valid JSON (JSON.parse judges that afterwards). Stops at the first excess.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/**
 * Replaces Fastify's JSON parser with one that checks depth first, then runs Fastify's own (secure-json-parse:
 * `__proto__` and `constructor.prototype` keys refused), so nothing else about parsing changes.
 */
export function installJsonBodyParser(app: FastifyInstance, maxDepth: number = MAX_JSON_DEPTH): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonDepthExceeds(text, maxDepth)) {
      done(new HttpError(400, 'too_deep', `request body nests arrays/objects deeper than ${maxDepth} levels`), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
