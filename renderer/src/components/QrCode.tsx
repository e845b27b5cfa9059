import { useMemo } from 'react';
import encodeQR from '@paulmillr/qr';
import './QrCode.css';

/** Renders text as a QR code in SVG (black on white in both themes, so any camera can read it). */
export function QrCode({ text, label }: { text: string; label: string }) {
  const { size, path } = useMemo(() => {
    const grid = encodeQR(text, 'raw', { ecc: 'medium', border: 2 });
    let d = '';
    grid.forEach((row, y) =>
      row.forEach((dark, x) => {
        if (dark) d += `M${x} ${y}h1v1h-1z`;
      }),
    );
    return { size: grid.length, path: d };
  }, [text]);
  return (
    <svg
      className="qr-code"
      viewBox={`0 0 ${size} ${size}`}
      role="img"
      aria-label={label}
      shapeRendering="crispEdges"
      data-testid="qr-code"
    >
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
