/**
 * `irsa why ID`: why a call was allowed or refused, in plain words, hop by hop from the pod
 * to the decision (service account → token → OIDC provider → role trust policy → session →
 * identity policies → boundary → session policy → resource policy), naming the deciding
 * statement and the fix. ID is a request id (what the client saw, `irsa trail`'s last
 * column) or an event id.
 */
import type { Command } from 'commander';
import { whyText } from '../../audit/render.js';
import type { TrailItem } from '../../audit/types.js';
import { adminClient, serverOptions } from '../client.js';
import { CliError, type Output } from '../io.js';

export function registerWhyCommand(
  program: Command,
  io: Output,
  setExit: (code: number) => void,
): void {
  serverOptions(
    program
      .command('why')
      .description(
        'explain one AWS call: which hop allowed or refused it, which statement, and the fix',
      )
      .argument('<id>', 'a request id (x-amzn-RequestId, `irsa trail`) or an audit event id')
      .option('--json', 'the CloudTrail record with irsaExplanation'),
  ).action(async (id: string, opts: { json?: boolean; endpoint?: string; data?: string }) => {
    // an empty id would ask for the whole trail and show it as one record
    if (id.trim() === '')
      throw new CliError('irsa why needs a request id or an event id (irsa trail lists them)');
    const { body: item } = await adminClient(opts).request<TrailItem>(
      'GET',
      `/trail/${encodeURIComponent(id.trim())}`,
    );
    io.out(
      opts.json
        ? JSON.stringify({ ...item.record, irsaExplanation: item.irsaExplanation }, null, 2)
        : whyText({ record: item.record, explanation: item.irsaExplanation }),
    );
    setExit(0);
  });
}
