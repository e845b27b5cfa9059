import { Menu, Tray } from 'electron';
import { loadImage } from './images.ts';
import type { TrayFactory, TrayHandle } from './tray.ts';

/** Adapts Electron's Tray to the TrayHandle the SystemTrayService drives. */
export function electronTrayFactory(iconPath: string): TrayFactory {
  return (): TrayHandle => {
    const tray = new Tray(loadImage(iconPath));
    return {
      setMenu: (items) =>
        tray.setContextMenu(
          Menu.buildFromTemplate(
            items.map((item) =>
              item.type === 'separator'
                ? { type: 'separator' as const }
                : {
                    label: item.label ?? '',
                    enabled: item.enabled ?? true,
                    ...(item.click ? { click: item.click } : {}),
                  },
            ),
          ),
        ),
      setToolTip: (text) => tray.setToolTip(text),
      onClick: (listener) => tray.on('click', listener),
      destroy: () => {
        if (!tray.isDestroyed()) tray.destroy();
      },
    };
  };
}
