import { useId, useState } from 'react';
import type { ChangeEvent } from 'react';
import { readQr } from '../lib/qr-read.ts';
import { QrScanner } from './QrScanner.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';

/** The pixels of an image file (a screenshot of a site's QR code), as readQr takes them. */
async function imagePixels(file: File): Promise<ImageData> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('This browser cannot read images here; paste the address instead.');
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

/**
 * A one-time code's setup from a QR code: the camera (QrScanner, the same reader as the invite and recovery codes)
 * or an image file such as a screenshot. Gives the text read; the editor checks it is an otpauth:// address.
 */
export function OtpauthScan({ onResult }: { onResult(text: string): void }) {
  const [scanning, setScanning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const fileId = useId();

  const fromFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const file = input.files?.[0];
    input.value = '';
    setError(null);
    if (!file) return;
    try {
      const text = readQr(await imagePixels(file));
      if (text) onResult(text);
      else
        setError(`No QR code could be read in “${file.name}”. Try a sharper picture, or paste the address.`);
    } catch {
      setError(`“${file.name}” could not be opened as an image. Choose a PNG or JPEG, or paste the address.`);
    }
  };

  return (
    <div className="actions">
      <button
        type="button"
        className="button button--small"
        aria-pressed={scanning}
        onClick={() => setScanning((s) => !s)}
      >
        {scanning ? 'Stop the camera' : 'Scan the QR code'}
      </button>
      <input
        id={fileId}
        type="file"
        accept="image/*"
        className="visually-hidden"
        data-testid="otpauth-image"
        onChange={(e) => void fromFile(e)}
      />
      <label htmlFor={fileId} className="button button--small">
        Read a QR code image…
      </label>
      {scanning && (
        <QrScanner
          label="Hold the site's QR code up to the camera"
          onResult={(text) => {
            setScanning(false);
            onResult(text);
          }}
        />
      )}
      {error && <ErrorNotice message={error} />}
    </div>
  );
}
