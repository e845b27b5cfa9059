import { PageHeader } from '../components/PageHeader.tsx';

const TITLES: Record<string, string> = {
  friends: 'Friends',
  backup: 'Backup',
  holding: 'Holding for friends',
  'recovery-help': 'Help a friend recover',
};

export function UnavailableScreen({ name }: { name: string }) {
  return (
    <PageHeader
      title={TITLES[name] ?? 'Not available'}
      lead="This part of Tessera is not available in this version yet."
    />
  );
}
