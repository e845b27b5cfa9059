import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// Base styles first, so component styles (imported by App and below) come after them in the bundle.
import './styles/base.css';
import { installHttpBridgeIfMissing } from './bridge/http-bridge.ts';
import { App } from './App.tsx';

installHttpBridgeIfMissing();

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');
createRoot(rootElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
