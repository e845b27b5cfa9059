import { useCallback } from 'react';
import { api } from '../../lib/api.ts';
import { useTopicVersion } from '../../lib/events.tsx';
import { useLoad } from '../../lib/useLoad.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { InviteCard } from './InviteCard.tsx';
import { AddFriendCard } from './AddFriendCard.tsx';
import { FriendList } from './FriendList.tsx';
import { PendingList } from './PendingList.tsx';
import './Friends.css';

/** Friends: show my invite, add a friend from theirs, compare codes, remove. */
export function FriendsScreen() {
  const version = useTopicVersion('friends');
  const load = useCallback(() => api().call('friends.list', {}), []);
  const friends = useLoad(load, version);
  const loadPending = useCallback(() => api().call('friends.pending', {}), []);
  const pending = useLoad(loadPending, version);
  return (
    <div className="friends">
      <PageHeader
        title="Friends"
        lead="Friends you add here can each keep a piece of your recovery key. Add people you trust and can meet in person."
      />
      <div className="friends__add">
        <InviteCard />
        <AddFriendCard friends={friends.data ?? []} />
      </div>
      <PendingList loaded={pending} />
      <FriendList loaded={friends} />
    </div>
  );
}
