import { useEffect, useRef, useState } from 'react';
import { Busy } from './Busy.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';
import { readQr } from '../lib/qr-read.ts';
import './QrScanner.css';

function cameraError(err: unknown): string {
  const name = err instanceof DOMException ? err.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return 'Tessera was not allowed to use the camera. Allow camera access, or paste the text instead.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError')
    return 'No camera was found on this device. Paste the text instead.';
  if (name === 'NotReadableError')
    return 'The camera is busy in another app. Close that app and try again, or paste the text instead.';
  return 'The camera could not be started. Paste the text instead.';
}

/**
 * Reads a QR code from the camera: frames go to a canvas and through `readQr` a few times a second, until a
 * code is found. The camera stops as soon as this component goes away.
 */
export function QrScanner({ onResult, label }: { onResult(text: string): void; label: string }) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const onResultRef = useRef(onResult);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(true);

  useEffect(() => {
    onResultRef.current = onResult;
  }, [onResult]);

  useEffect(() => {
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setInterval> | null = null;
    let stopped = false;
    const canvas = document.createElement('canvas');
    const context = canvas.getContext('2d', { willReadFrequently: true });

    const stop = () => {
      stopped = true;
      if (timer) clearInterval(timer);
      stream?.getTracks().forEach((track) => track.stop());
    };

    let frames = 0;
    const scan = () => {
      const video = videoRef.current;
      if (!video || !context || video.readyState < 2 || !video.videoWidth) return;
      const scale = Math.min(1, 800 / Math.max(video.videoWidth, video.videoHeight));
      const width = Math.round(video.videoWidth * scale);
      const height = Math.round(video.videoHeight * scale);
      // Resizing a canvas reallocates it: only when the video's size changes.
      if (canvas.width !== width || canvas.height !== height) {
        canvas.width = width;
        canvas.height = height;
      }
      context.drawImage(video, 0, 0, width, height);
      const image = context.getImageData(0, 0, width, height);
      // The slower second decoder on every third frame (about every 0.6 s) keeps the window responsive.
      const text = readQr(image, { fallback: frames++ % 3 === 0 });
      if (text) {
        stop();
        onResultRef.current(text);
      }
    };

    (async () => {
      if (!navigator.mediaDevices?.getUserMedia) {
        setError('This window cannot use a camera. Paste the text instead.');
        setStarting(false);
        return;
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: 'environment' },
          audio: false,
        });
      } catch (err) {
        if (!stopped) {
          setError(cameraError(err));
          setStarting(false);
        }
        return;
      }
      if (stopped) {
        stream.getTracks().forEach((track) => track.stop());
        return;
      }
      const video = videoRef.current;
      if (video) {
        video.srcObject = stream;
        await video.play().catch(() => {});
      }
      setStarting(false);
      timer = setInterval(scan, 200);
    })();

    return stop;
  }, []);

  return (
    <div className="qr-scanner">
      {error ? (
        <ErrorNotice message={error} />
      ) : (
        <>
          <video ref={videoRef} className="qr-scanner__video" muted playsInline aria-label={label} />
          {starting ? (
            <Busy label="Starting the camera…" />
          ) : (
            <p className="qr-scanner__hint" role="status">
              Hold the code steady in front of the camera. It is read automatically.
            </p>
          )}
        </>
      )}
    </div>
  );
}
