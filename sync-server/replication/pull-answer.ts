/**
 * The pull route's answer, written as JSON text around the documents' bodies as PostgreSQL sends them (jsonb as
 * text): a catch-up's bodies were parsed from the database's text, copied by the response check and serialised again,
 * only to be sent as the text they were. What the route's response schema (PullResponse, shared/sync.ts) checks is
 * checked here, value by value, before anything is sent: each document's kind, id, deleted and version by the schema
 * itself, its body to be a JSON object or null (jsonb text is an object exactly when it starts with `{`), and the
 * checkpoint and head. A value that fails is a server bug: the route answers 500, as for any response that fails its
 * schema.
 */
import { PulledDocument, PullResponse, type Checkpoint } from '../../shared/sync';
import type { PulledDocumentText } from '../changes';
import { CheckedJson, checkedValue } from '../http/route';

const Envelope = PulledDocument.omit({ body: true });
const Rest = PullResponse.omit({ documents: true });

/** `{documents, checkpoint, head}` as PullResponse describes it, each document's body its own JSON text. */
export function pullAnswer(documents: readonly PulledDocumentText[], checkpoint: Checkpoint, head: number): CheckedJson<typeof PullResponse> {
  const parts: string[] = new Array<string>(documents.length);
  for (let i = 0; i < documents.length; i++) {
    const d = documents[i]!;
    const { kind, id, deleted, version } = checkedValue(Envelope, { kind: d.kind, id: d.id, deleted: d.deleted, version: d.version });
    if (d.body !== null && d.body.charCodeAt(0) !== 0x7b /* { */) throw new Error(`response failed its schema: documents.${i}.body expected an object`);
    parts[i] = `{"kind":${JSON.stringify(kind)},"id":${JSON.stringify(id)},"body":${d.body ?? 'null'},"deleted":${JSON.stringify(deleted)},"version":${JSON.stringify(version)}}`;
  }
  const rest = checkedValue(Rest, { checkpoint, head });
  return CheckedJson.joined(PullResponse, `{"documents":[${parts.join(',')}],"checkpoint":${JSON.stringify(rest.checkpoint)},"head":${JSON.stringify(rest.head)}}`);
}
