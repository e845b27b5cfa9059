/**
 * Export files written the way each application writes them: Bitwarden's JSON and CSV exports, KeePassXC's and
 * 1Password 8's CSV headers, and a real KDBX 4 database built with kdbxweb (Argon2 through the app's own
 * implementation, set when electron/core/import/kdbx-reader.ts loads; the app loads it on a first KeePass import).
 */
import * as kdbxweb from 'kdbxweb';
import '../../../electron/core/import/kdbx-reader.ts';

export const BITWARDEN_JSON = JSON.stringify(
  {
    encrypted: false,
    folders: [{ id: 'f1', name: 'Banking' }],
    items: [
      {
        id: 'i1',
        organizationId: null,
        folderId: 'f1',
        type: 1,
        reprompt: 0,
        name: 'Bank',
        notes: 'Joint account',
        favorite: false,
        fields: [{ name: 'PIN', value: '4321', type: 1, linkedId: null }],
        login: {
          uris: [{ match: null, uri: 'https://bank.example' }],
          username: 'ann',
          password: 'b4nk-pass',
          totp: 'otpauth://totp/Bank?secret=JBSWY3DPEHPK3PXP',
        },
        collectionIds: null,
      },
      {
        id: 'i2',
        folderId: null,
        type: 2,
        name: 'Wifi note',
        notes: 'router in the hall',
        secureNote: { type: 0 },
      },
      {
        id: 'i3',
        folderId: null,
        type: 3,
        name: 'Visa',
        notes: null,
        card: {
          cardholderName: 'Ann',
          brand: 'Visa',
          number: '4111111111111111',
          expMonth: '4',
          expYear: '2030',
          code: '123',
        },
      },
    ],
  },
  null,
  2,
);

export const BITWARDEN_CSV = [
  'folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp',
  'Social,1,login,Mastodon,"line one\nline two","recovery: abc",0,"https://mastodon.example,mastodon.example/@ann",ann@example.org,m4st-pass,JBSW Y3DP EHPK 3PXP',
  'Games,0,login,Steam,,,0,https://store.steampowered.com,ann,st34m,steam://ABCDEFGH',
  ',,note,Door code,1234#,,0,,,,',
].join('\n');

export const KEEPASSXC_CSV = [
  '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"',
  '"Root/Work","Mail","ann","m@il-pass","https://mail.example","work ""inbox""","otpauth://totp/Mail?secret=JBSWY3DP","0","2024-01-01T10:00:00Z","2023-01-01T10:00:00Z"',
  '"Root","Router","admin","r0uter","http://192.168.1.1","","","0","2024-01-01T10:00:00Z","2023-01-01T10:00:00Z"',
].join('\n');

export const ONEPASSWORD_CSV = [
  'Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes',
  'GitHub,https://github.com,ann,gh-pass,otpauth://totp/GitHub?secret=KRSXG5CTMVRXEZLU,true,false,"dev,work",personal account',
  'Shopping list,,,,,,false,,milk and eggs',
].join('\n');

export const KDBX_PASSWORD = 'kdbx password';

/** A KDBX 4 database with Argon2id (small memory, so the test is quick), two groups, a recycled entry, one binary. */
export async function buildKdbx(): Promise<Uint8Array> {
  const db = kdbxweb.Kdbx.create(
    new kdbxweb.Credentials(kdbxweb.ProtectedValue.fromString(KDBX_PASSWORD)),
    'Ann',
  );
  db.setKdf(kdbxweb.Consts.KdfId.Argon2id);
  db.header.kdfParameters?.set('M', kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(1024 * 1024));
  db.header.kdfParameters?.set('I', kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(2));
  const root = db.getDefaultGroup();
  const mail = db.createEntry(root);
  mail.fields.set('Title', 'Mail');
  mail.fields.set('UserName', 'ann');
  mail.fields.set('Password', kdbxweb.ProtectedValue.fromString('m@il-pass'));
  mail.fields.set('URL', 'https://mail.example');
  mail.fields.set('Notes', 'main inbox');
  mail.fields.set('otp', kdbxweb.ProtectedValue.fromString('otpauth://totp/Mail?secret=JBSWY3DP'));
  const work = db.createGroup(root, 'Work');
  const vpn = db.createEntry(work);
  vpn.fields.set('Title', 'VPN');
  vpn.fields.set('Password', kdbxweb.ProtectedValue.fromString('vpn-pass'));
  vpn.binaries.set('cert.pem', await db.createBinary(new TextEncoder().encode('CERT').buffer as ArrayBuffer));
  db.createRecycleBin();
  const gone = db.createEntry(root);
  gone.fields.set('Title', 'Old');
  db.move(gone, db.getGroup(db.meta.recycleBinUuid!)!);
  return new Uint8Array(await db.save());
}
