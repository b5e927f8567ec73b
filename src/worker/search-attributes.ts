/**
 * Checking, before a worker starts, that the namespace knows every search attribute rebound
 * sets: without one, each job's dead-lettering fails its workflow task for ever
 * (`BadSearchAttributes`), long after the worker started without a word.
 */
import { status } from '@grpc/grpc-js';
import { isGrpcServiceError } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { NativeConnection } from '@temporalio/worker';
import { searchAttributes } from '../contract';
import { SearchAttributesMissingError } from '../errors';
import type { Logger } from '../logger';

/** Answers that mean the server will not tell (a hosted namespace's restricted API key...), not that something is wrong. */
const refusedCodes = new Set<number>([status.PERMISSION_DENIED, status.UNIMPLEMENTED, status.UNAUTHENTICATED]);

const { IndexedValueType } = temporal.api.enums.v1;

/** `Keyword` for `INDEXED_VALUE_TYPE_KEYWORD`, as the `temporal` CLI names types. */
function typeName(indexed: number): string {
  const name = IndexedValueType[indexed] ?? `type ${indexed}`;
  return name
    .replace(/^INDEXED_VALUE_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _sep: string, c: string) => c.toUpperCase());
}

/**
 * Throws {@link SearchAttributesMissingError} when `namespace` lacks one of rebound's search
 * attributes or has one with another type. When the server refuses to list them (permission
 * denied, say), logs a warning and returns: the worker starts, as it did before this check.
 */
export async function checkSearchAttributes(connection: NativeConnection, namespace: string, logger: Logger): Promise<void> {
  let registered: Record<string, number>;
  try {
    const response = await connection.operatorService.listSearchAttributes({ namespace });
    registered = { ...(response.systemAttributes as Record<string, number>), ...(response.customAttributes as Record<string, number>) };
  } catch (err) {
    if (!(isGrpcServiceError(err) && refusedCodes.has(err.code))) throw err;
    logger.warn(
      { namespace, code: status[err.code], err: err.details },
      `could not check the search attributes of namespace "${namespace}" (the server refused to list them); ` +
        `if one of ${Object.values(searchAttributes).map((k) => k.name).join(', ')} is missing, dead-lettering will fail`,
    );
    return;
  }
  const missing: { name: string; type: string }[] = [];
  const wrongType: { name: string; type: string; registeredAs: string }[] = [];
  for (const key of Object.values(searchAttributes)) {
    const type = TypedSearchAttributes.toMetadataType(key.type);
    const has = registered[key.name];
    if (has === undefined) missing.push({ name: key.name, type });
    else if (typeName(has) !== type) wrongType.push({ name: key.name, type, registeredAs: typeName(has) });
  }
  if (missing.length > 0 || wrongType.length > 0) throw new SearchAttributesMissingError(namespace, missing, wrongType);
}
