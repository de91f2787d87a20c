import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { SecretSealer } from '#ports/watermarks';

/** Envelope for watermark keys: KMS-encrypted, bound to the corp by the encryption context. */
export class KmsSealer implements SecretSealer {
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  async seal(corpId: string, secret: Uint8Array): Promise<string> {
    const { CiphertextBlob } = await this.kms.send(new EncryptCommand({ KeyId: this.keyId, Plaintext: secret, EncryptionContext: { corpId } }));
    return `kms:${Buffer.from(CiphertextBlob!).toString('base64')}`;
  }

  async open(corpId: string, sealed: string): Promise<Uint8Array> {
    const { Plaintext } = await this.kms.send(
      new DecryptCommand({ CiphertextBlob: Buffer.from(sealed.replace(/^kms:/, ''), 'base64'), EncryptionContext: { corpId } }),
    );
    return new Uint8Array(Plaintext!);
  }
}

/** Without a KMS key (tests, the in-process local runtime): keys are stored as they are, and say so. */
export const plainSealer: SecretSealer = {
  seal: async (_corpId, secret) => `plain:${Buffer.from(secret).toString('base64')}`,
  open: async (_corpId, sealed) => new Uint8Array(Buffer.from(sealed.replace(/^plain:/, ''), 'base64')),
};
