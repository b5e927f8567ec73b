/**
 * The failure converter of an encrypted data converter, loaded by path (`failureConverterPath`):
 * a failure's message and stack go into its encoded attributes, a payload the codec encrypts,
 * and the failure itself says only "Encoded failure".
 */
import { DefaultFailureConverter } from '@temporalio/common';

/** The converter the SDK loads from this file. */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
