import { useMemo } from 'react';
import encodeQR from '@paulmillr/qr';
import './QrCode.css';

function encode(text: string): boolean[][] | null {
  for (const ecc of ['medium', 'low'] as const) {
    try {
      return encodeQR(text, 'raw', { ecc, border: 2 });
    } catch {
      // too long for this error-correction level; try the next
    }
  }
  return null;
}

/** Renders text as a QR code in SVG (black on white in both themes, so any camera can read it). */
export function QrCode({ text, label }: { text: string; label: string }) {
  const qr = useMemo(() => {
    const grid = encode(text);
    if (!grid) return null;
    let d = '';
    grid.forEach((row, y) =>
      row.forEach((dark, x) => {
        if (dark) d += `M${x} ${y}h1v1h-1z`;
      }),
    );
    return { size: grid.length, path: d };
  }, [text]);
  if (!qr) {
    return <p className="muted">This code is too long to show as a QR code. Use the text below instead.</p>;
  }
  return (
    <svg
      className="qr-code"
      viewBox={`0 0 ${qr.size} ${qr.size}`}
      role="img"
      aria-label={label}
      shapeRendering="crispEdges"
      data-testid="qr-code"
    >
      <rect width={qr.size} height={qr.size} fill="#fff" />
      <path d={qr.path} fill="#000" />
    </svg>
  );
}
