/**
 * The docs name only files that exist. Checked in every doc (docs/*.md, the top-level README, every README.md under
 * the source folders), in backticks (inline or fenced) and in markdown links:
 *   - a repository path (`electron/…`, `sync-server/…`, `shared/…`, `tests/…`, `renderer/…`, `scripts/…`, `docs/…`,
 *     `build/…`) must exist;
 *   - a link must point at something that exists, inside the repository (a clone has nothing beside it);
 *   - a shorter file name (`apply.ts`, `db/types.ts`, `events.test.ts`) must name a file under the README's own folder
 *     (for docs/*.md and the top-level README: anywhere in the repository).
 * A moved or deleted file therefore fails this test until every doc that named it is updated.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Top-level folders whose paths a doc may name. */
const ROOTS = ['electron', 'sync-server', 'shared', 'tests', 'renderer', 'scripts', 'docs', 'build'];

/** Not the tail of a longer path or word (`<dataDir>/docs/x`, `.data/floor`, `/work/shared/x`, `/api/x.md`). */
const START = '(?<![\\w./@<>*-])';
/** A repository path inside code: starts at a top-level folder, optionally with `./`. */
const REPO_PATH = new RegExp(`${START}(?:\\./)?(?:${ROOTS.join('|')})/[\\w.@*/-]*`, 'g');
/** A shorter file name inside code: a source file by its extension, maybe with a folder or two before it. */
const FILE_NAME = new RegExp(`${START}(?!\\.)[\\w.@-]+(?:/[\\w.@-]+)*\\.(?:ts|tsx|sql|md)(?![\\w./*<>-])`, 'g');

export interface PathMention {
  /** As written (a link target without its `#fragment`). */
  path: string;
  /** `repo` and `link`: the repository-relative path it resolves to; `name`: as written. */
  resolved: string;
  line: number;
  via: 'repo' | 'name' | 'link';
}

export interface PathProblem extends PathMention {
  problem: 'missing' | 'outside the repository';
}

function lineAt(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** Backtick spans (fenced blocks, then inline code), each with the offset where its text starts. */
function codeSpans(markdown: string): { text: string; at: number }[] {
  const spans: { text: string; at: number }[] = [];
  let rest = markdown;
  for (const m of markdown.matchAll(/^(```|~~~)[^\n]*\n([\s\S]*?)^\1[ \t]*$/gm)) {
    spans.push({ text: m[2] ?? '', at: m.index + m[0].indexOf('\n') + 1 });
    rest = rest.slice(0, m.index) + m[0].replace(/[^\n]/g, ' ') + rest.slice(m.index + m[0].length);
  }
  for (const m of rest.matchAll(/(`+)([^`]+?)\1/g)) spans.push({ text: m[2] ?? '', at: m.index + (m[1] ?? '').length });
  return spans;
}

/** Every path `markdown` (the file `docPath`, repository-relative) names in code or as a link target. */
export function extractPaths(markdown: string, docPath: string): PathMention[] {
  const found: PathMention[] = [];
  for (const span of codeSpans(markdown)) {
    const repoPaths = [...span.text.matchAll(REPO_PATH)];
    for (const m of repoPaths) {
      const path = m[0].replace(/[.,:;]+$/, '');
      found.push({ path, resolved: relative(REPO, resolve(REPO, path)), line: lineAt(markdown, span.at + m.index), via: 'repo' });
    }
    for (const m of span.text.matchAll(FILE_NAME)) {
      const inRepoPath = repoPaths.some((r) => m.index >= r.index && m.index < r.index + r[0].length);
      if (!inRepoPath) found.push({ path: m[0], resolved: m[0], line: lineAt(markdown, span.at + m.index), via: 'name' });
    }
  }
  // [text](target) and [text](target "title"), images too. Web addresses, mail and in-page anchors are not paths.
  for (const m of markdown.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = (m[1] ?? '').split('#')[0] ?? '';
    if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const absolute = isAbsolute(target) ? target : resolve(REPO, dirname(docPath), target);
    found.push({ path: target, resolved: relative(REPO, absolute), line: lineAt(markdown, m.index), via: 'link' });
  }
  return found.sort((a, b) => a.line - b.line);
}

/** Every file of the repository's own folders (repository-relative, `/`-separated). */
export function repositoryFiles(root = REPO): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !entry.name.startsWith('.') && (dir !== '' || ROOTS.includes(entry.name))) walk(path);
      } else if (entry.isFile()) files.push(path);
    }
  };
  walk('');
  return files;
}

/** A glob is fine when the folder before its first wildcard exists (`shared/rules/*.ts`: `shared/rules`). */
function existsInRepo(resolvedPath: string, root: string): boolean {
  const star = resolvedPath.indexOf('*');
  return existsSync(join(root, star < 0 ? resolvedPath : resolvedPath.slice(0, resolvedPath.lastIndexOf(sep, star) + 1)));
}

/** The mentions in `markdown` that point at nothing, or out of the repository. */
export function checkPaths(markdown: string, docPath: string, files: readonly string[], root = REPO): PathProblem[] {
  const docDir = posix.dirname(docPath);
  const scope = docDir === '.' || docDir === 'docs' ? '' : `${docDir}/`;
  const problems: PathProblem[] = [];
  for (const mention of extractPaths(markdown, docPath)) {
    if (mention.via === 'name') {
      const named = files.some((f) => f.startsWith(scope) && (f === `${scope}${mention.path}` || f.endsWith(`/${mention.path}`)));
      if (!named) problems.push({ ...mention, problem: 'missing' });
    } else if (mention.resolved === '..' || mention.resolved.startsWith(`..${sep}`) || isAbsolute(mention.resolved)) {
      problems.push({ ...mention, problem: 'outside the repository' });
    } else if (!existsInRepo(mention.resolved, root)) {
      problems.push({ ...mention, problem: 'missing' });
    }
  }
  return problems;
}

/** docs/*.md, the top-level README and every README.md under the source folders. */
function docFiles(files: readonly string[]): string[] {
  return files.filter((f) => f === 'README.md' || /^docs\/[^/]+\.md$/.test(f) || (f.endsWith('/README.md') && !f.startsWith('docs/')));
}

describe('the path checker', () => {
  const sample = [
    'The core (`electron/core/station-core.ts`), run by `npx tsx electron/kiosk/run.ts --port 0`; its keys: `keys.ts`.',
    'Gone: `electron/core/no-such-module.ts`, [old notes](../docs/no-such-notes.md), `shared/rules/*.ts`, `gone-module.ts`.',
    'Not paths: `<dataDir>/docs/sync-token.json`, `.data/floor`, `/work/shared/DOMAIN.md`, [site](https://example.com/a.md),',
    '  `*.test.ts`, `.test.ts`, `migrations/<NNNN>_<name>.sql`, [below](#the-docs).',
    '```sh',
    'npx tsx sync-server/missing-main.ts',
    '```',
    'Beside the repository: [DOMAIN](../../shared/DOMAIN.md).',
  ].join('\n');

  it('finds paths in inline code, fenced code and links, and only those', () => {
    expect(extractPaths(sample, 'docs/sample.md').map((m) => [m.line, m.via, m.resolved])).toEqual([
      [1, 'repo', 'electron/core/station-core.ts'],
      [1, 'repo', 'electron/kiosk/run.ts'],
      [1, 'name', 'keys.ts'],
      [2, 'repo', 'electron/core/no-such-module.ts'],
      [2, 'repo', 'shared/rules/*.ts'],
      [2, 'name', 'gone-module.ts'],
      [2, 'link', 'docs/no-such-notes.md'],
      [6, 'repo', 'sync-server/missing-main.ts'],
      [8, 'link', join('..', 'shared', 'DOMAIN.md')],
    ]);
  });

  it('reports a missing path or file name and a link that climbs out of the repository, and nothing that exists', () => {
    const files = repositoryFiles();
    expect(checkPaths(sample, 'docs/sample.md', files).map((p) => `${p.line}: ${p.path} (${p.problem})`)).toEqual([
      '2: electron/core/no-such-module.ts (missing)',
      '2: gone-module.ts (missing)',
      '2: ../docs/no-such-notes.md (missing)',
      '6: sync-server/missing-main.ts (missing)',
      '8: ../../shared/DOMAIN.md (outside the repository)',
    ]);
  });

  it("in a folder's README, a short file name must be in that folder", () => {
    const files = repositoryFiles();
    const readme = '`db/types.ts`, `apply.ts` (in `floor/`), `keys.ts` (the station core\'s), `migrations/<NNNN>_<name>.sql`';
    expect(checkPaths(readme, 'sync-server/README.md', files).map((p) => p.path)).toEqual(['keys.ts']);
  });
});

describe('the docs', () => {
  const files = repositoryFiles();

  it('finds the docs it checks', () => {
    expect(docFiles(files)).toEqual(
      expect.arrayContaining(['README.md', 'docs/design.md', 'docs/sop-map.md', 'sync-server/README.md', 'electron/sync/README.md', 'electron/hardware/README.md']),
    );
  });

  it.each(docFiles(files))('%s names only paths that exist in the repository', (doc) => {
    const problems = checkPaths(readFileSync(join(REPO, doc), 'utf8'), doc, files).map((p) => `${doc}:${p.line}: ${p.path} (${p.problem})`);
    expect(problems).toEqual([]);
  });
});
