import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { installHttpBridgeIfMissing } from './bridge/http-bridge.ts';
import { App } from './App.tsx';
import './styles/base.css';

installHttpBridgeIfMissing();

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');
createRoot(rootElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
