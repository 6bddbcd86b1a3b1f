/**
 * IAM OIDC identity providers (spec/aws-wire.md §5.2): the issuer URL STS trusts, the
 * audiences (client IDs) it accepts and the certificate thumbprints. Stored and returned
 * without `https://`; the ARN is `arn:aws:iam::<account>:oidc-provider/<url>`.
 */
import { AwsError } from '../../common/aws-error.js';
import { listParam, Validator } from '../../server/aws/query-params.js';
import type { QueryOperation, QueryParams } from '../../server/aws/types.js';
import {
  entityAlreadyExists,
  IAM_MSG,
  invalidInput,
  limitExceeded,
  noSuchEntity,
} from '../errors.js';
import { parseProviderArn, providerArn, RULES } from '../names.js';
import type { IamRepo } from '../repo.js';
import type { OidcProviderDoc } from '../types.js';
import {
  checkDuplicateTags,
  date,
  defineOperation,
  type IamOperationDeps,
  mergeTags,
  type OpCall,
  paginate,
  readPaging,
  readTagKeys,
  readTags,
  removeTags,
  sortTags,
  tagsResult,
} from './common.js';

const MAX_PROVIDERS = 100;
const MAX_CLIENT_IDS = 100;
const MAX_THUMBPRINTS = 5;

/**
 * The URL as IAM keeps it (without `https://`). IAM's rules: `https` only, a host, no query
 * or fragment; a path is allowed.
 *
 * irsakit deviation: a port IS accepted. Real IAM rejects one, but a local issuer cannot
 * listen on 443 without privileges, so irsakit's issuers run on a port
 * (`https://127.0.0.1:4578/id/…`, README "Known deviations").
 */
export function providerUrl(raw: string): string {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(raw);
  if (!scheme) throw invalidInput(IAM_MSG.providerUrl);
  if ((scheme[1] as string).toLowerCase() !== 'https') throw invalidInput(IAM_MSG.providerHttps);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw invalidInput(IAM_MSG.providerUrl);
  }
  if (!u.hostname || u.search || u.hash || raw.includes('?') || raw.includes('#')) {
    throw invalidInput(IAM_MSG.providerUrl);
  }
  if (u.username || u.password) throw invalidInput(IAM_MSG.providerUrl);
  return raw.slice(scheme[0].length);
}

function readThumbprints(v: Validator, params: QueryParams): string[] {
  const list = listParam(params, 'ThumbprintList');
  return list.map(
    (_, i) => v.string(params, `ThumbprintList.member.${i + 1}`, RULES.thumbprint, true) as string,
  );
}

function readClientIds(v: Validator, params: QueryParams): string[] {
  const list = listParam(params, 'ClientIDList');
  return list.map(
    (_, i) => v.string(params, `ClientIDList.member.${i + 1}`, RULES.clientId, true) as string,
  );
}

/** Reads `OpenIDConnectProviderArn`, authorizes against it and loads the provider. */
async function withProvider<R>(
  c: OpCall,
  v: Validator,
  fn: (repo: IamRepo, p: OidcProviderDoc, arn: string) => Promise<R>,
  opts: { missingOk?: boolean } = {},
): Promise<R | undefined> {
  const arn = v.string(c.params, 'OpenIDConnectProviderArn', RULES.arn, true);
  v.done();
  const { account, url } = parseProviderArn(arn);
  await c.authorize(arn);
  return c.tx(async (repo) => {
    const p = account === c.account ? await repo.oidcProvider(account, url) : undefined;
    if (!p) {
      if (opts.missingOk) return undefined;
      throw noSuchEntity(IAM_MSG.noProvider(arn));
    }
    return fn(repo, p, arn);
  });
}

export function oidcProviderOperations(deps: IamOperationDeps): Record<string, QueryOperation> {
  return {
    CreateOpenIDConnectProvider: defineOperation(deps, 'CreateOpenIDConnectProvider', async (c) => {
      const v = new Validator();
      const rawUrl = v.string(c.params, 'Url', RULES.url, true);
      const clientIds = readClientIds(v, c.params);
      const thumbprints = readThumbprints(v, c.params);
      const tags = readTags(v, c.params);
      v.done();
      const url = providerUrl(rawUrl);
      const arn = providerArn(c.account, url);
      await c.authorize(arn);
      if (thumbprints.length > MAX_THUMBPRINTS) throw invalidInput(IAM_MSG.thumbprints);
      if (clientIds.length > MAX_CLIENT_IDS) {
        throw limitExceeded(IAM_MSG.quota('ClientIdsPerOpenIdConnectProvider', MAX_CLIENT_IDS));
      }
      checkDuplicateTags(tags, 'sensitive');
      const refuseExisting = async (repo: IamRepo) => {
        if (await repo.oidcProvider(c.account, url)) {
          throw entityAlreadyExists(IAM_MSG.providerExists(`https://${url}`));
        }
        if ((await repo.oidcProviders(c.account)).length >= MAX_PROVIDERS) {
          throw limitExceeded(IAM_MSG.quota('OpenIdConnectProvidersPerAccount', MAX_PROVIDERS));
        }
      };
      // none given: IAM retrieves the top CA certificate's thumbprint itself (API reference) —
      // only for a provider it would create, and outside the transaction (it is network I/O)
      if (thumbprints.length === 0 && deps.issuerThumbprint) {
        await refuseExisting(c.read);
        try {
          thumbprints.push(await deps.issuerThumbprint(`https://${url}`));
        } catch (e) {
          throw new AwsError('OpenIdIdpCommunicationError', 400, IAM_MSG.idpUnreachable, {
            detail: { url: `https://${url}`, reason: e instanceof Error ? e.message : String(e) },
          });
        }
      }
      return c.tx(async (repo) => {
        await refuseExisting(repo);
        const doc: OidcProviderDoc = {
          account: c.account,
          arn,
          url,
          clientIds: [...new Set(clientIds)],
          thumbprints: [...new Set(thumbprints)],
          tags: [],
          createDate: c.stamp,
        };
        doc.tags = mergeTags([], tags, 'TagsPerOpenIdConnectProvider', 'sensitive');
        await repo.putOidcProvider(doc);
        c.ctx.audit.responseElements = { OpenIDConnectProviderArn: arn };
        return { OpenIDConnectProviderArn: arn, Tags: tagsResult(doc.tags) };
      });
    }),

    GetOpenIDConnectProvider: defineOperation(deps, 'GetOpenIDConnectProvider', async (c) => {
      const v = new Validator();
      return (
        (await withProvider(c, v, async (_repo, p) => ({
          Url: p.url,
          ClientIDList: p.clientIds,
          ThumbprintList: p.thumbprints,
          CreateDate: date(p.createDate),
          Tags: sortTags(p.tags),
        }))) ?? null
      );
    }),

    ListOpenIDConnectProviders: defineOperation(deps, 'ListOpenIDConnectProviders', async (c) => {
      await c.authorize('*');
      const all = await c.read.oidcProviders(c.account);
      return {
        OpenIDConnectProviderList: all
          .map((p) => p.arn)
          .sort()
          .map((Arn) => ({ Arn })),
      };
    }),

    // idempotent: deleting a provider that does not exist succeeds (AWS API reference)
    DeleteOpenIDConnectProvider: defineOperation(deps, 'DeleteOpenIDConnectProvider', async (c) => {
      const v = new Validator();
      await withProvider(c, v, async (repo, p) => repo.deleteOidcProvider(p), { missingOk: true });
      return null;
    }),

    AddClientIDToOpenIDConnectProvider: defineOperation(
      deps,
      'AddClientIDToOpenIDConnectProvider',
      async (c) => {
        const v = new Validator();
        const clientId = v.string(c.params, 'ClientID', RULES.clientId, true);
        await withProvider(c, v, async (repo, p) => {
          if (p.clientIds.includes(clientId)) return;
          if (p.clientIds.length >= MAX_CLIENT_IDS) {
            throw limitExceeded(IAM_MSG.quota('ClientIdsPerOpenIdConnectProvider', MAX_CLIENT_IDS));
          }
          p.clientIds.push(clientId);
          await repo.putOidcProvider(p);
        });
        return null;
      },
    ),

    RemoveClientIDFromOpenIDConnectProvider: defineOperation(
      deps,
      'RemoveClientIDFromOpenIDConnectProvider',
      async (c) => {
        const v = new Validator();
        const clientId = v.string(c.params, 'ClientID', RULES.clientId, true);
        await withProvider(c, v, async (repo, p) => {
          if (!p.clientIds.includes(clientId)) return;
          p.clientIds = p.clientIds.filter((id) => id !== clientId);
          await repo.putOidcProvider(p);
        });
        return null;
      },
    ),

    UpdateOpenIDConnectProviderThumbprint: defineOperation(
      deps,
      'UpdateOpenIDConnectProviderThumbprint',
      async (c) => {
        const v = new Validator();
        const thumbprints = readThumbprints(v, c.params);
        if (thumbprints.length === 0) v.string(c.params, 'ThumbprintList', {}, true);
        await withProvider(c, v, async (repo, p) => {
          if (thumbprints.length > MAX_THUMBPRINTS) throw invalidInput(IAM_MSG.thumbprints);
          p.thumbprints = [...new Set(thumbprints)];
          await repo.putOidcProvider(p);
        });
        return null;
      },
    ),

    TagOpenIDConnectProvider: defineOperation(deps, 'TagOpenIDConnectProvider', async (c) => {
      const v = new Validator();
      const tags = readTags(v, c.params);
      if (tags.length === 0) v.string(c.params, 'Tags', {}, true);
      await withProvider(c, v, async (repo, p) => {
        checkDuplicateTags(tags, 'sensitive');
        p.tags = mergeTags(p.tags, tags, 'TagsPerOpenIdConnectProvider', 'sensitive');
        await repo.putOidcProvider(p);
      });
      return null;
    }),

    UntagOpenIDConnectProvider: defineOperation(deps, 'UntagOpenIDConnectProvider', async (c) => {
      const v = new Validator();
      const keys = readTagKeys(v, c.params);
      await withProvider(c, v, async (repo, p) => {
        p.tags = removeTags(p.tags, keys, 'sensitive');
        await repo.putOidcProvider(p);
      });
      return null;
    }),

    ListOpenIDConnectProviderTags: defineOperation(
      deps,
      'ListOpenIDConnectProviderTags',
      async (c) => {
        const v = new Validator();
        const paging = readPaging(v, c.params);
        return (
          (await withProvider(c, v, async (_repo, p) => {
            const page = paginate(sortTags(p.tags), (t) => t.Key, paging);
            return { Tags: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
          })) ?? null
        );
      },
    ),
  };
}
