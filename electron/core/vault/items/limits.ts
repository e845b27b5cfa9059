import { TooLargeError } from '../../../../shared/errors.ts';
import { MAX_ATTACHMENT_BYTES } from '../../../../shared/api/ops/items.ts';

export { MAX_ATTACHMENT_BYTES };

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
}

export class AttachmentTooLargeError extends TooLargeError {
  constructor(name: string, size: number) {
    super(
      `The attachment "${name}" is ${mib(size)} (${size} bytes); attachments can be at most ` +
        `${mib(MAX_ATTACHMENT_BYTES)} (${MAX_ATTACHMENT_BYTES} bytes) each. Attach a smaller file.`,
    );
  }
}

export function checkAttachmentSize(name: string, size: number): void {
  if (size > MAX_ATTACHMENT_BYTES) throw new AttachmentTooLargeError(name, size);
}
