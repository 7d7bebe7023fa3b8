import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { problemText } from '../../api/problem';
import type { Reply } from '../../api/types';
import { formatDate, useLanguage, useT } from '../../i18n';
import { Link, usePageTitle, useRouter } from '../../router';
import { useUser } from '../../session';
import { Button, Dialog, EmptyState, ErrorMessage, Field, Loading, useAsync } from '../../ui';
import './admin.css';

type TypeRow = Reply<'/api/v1/types', 'get'> extends Array<infer T> ? T : never;
type UserRow = Reply<'/api/v1/admin/users', 'get'>['items'][number];

const SECTIONS = [
  { path: '/admin', key: 'statsTab' },
  { path: '/admin/types', key: 'typesTab' },
  { path: '/admin/users', key: 'usersTab' },
  { path: '/admin/audit', key: 'auditTab' },
] as const;

function useErrorText() {
  const common = useT('common');
  return (error: unknown) => problemText(error, { network: common('networkError'), unexpected: common('unexpectedError') });
}

/** The admin panel: statistics, product types, users, audit log (routes /admin/*, admins only). */
export function AdminPage() {
  const t = useT('admin');
  const common = useT('common');
  const user = useUser();
  const { path, navigate } = useRouter();
  const section = SECTIONS.find((s) => s.path === path) ?? SECTIONS[0];
  usePageTitle(user.isAdmin ? `${t(section.key)} · ${t('title')}` : t('refusedTitle'), common('appName'));
  if (!user.isAdmin) {
    return (
      <section className="page">
        <h1>{t('refusedTitle')}</h1>
        <p role="alert">{t('refusedText')}</p>
        <Link to="/">{t('backHome')}</Link>
      </section>
    );
  }
  return (
    <section className="page admin-page">
      <h1>{t('title')}</h1>
      <nav aria-label={t('sections')} className="admin-tabs">
        <ul>
          {SECTIONS.map((s) => (
            <li key={s.path}>
              <a
                href={s.path}
                aria-current={s.path === section.path ? 'page' : undefined}
                onClick={(event) => {
                  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
                  event.preventDefault();
                  navigate(s.path);
                }}
              >
                {t(s.key)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <h2>{t(section.key)}</h2>
      {section.path === '/admin' ? <Stats /> : null}
      {section.path === '/admin/types' ? <Types /> : null}
      {section.path === '/admin/users' ? <Users /> : null}
      {section.path === '/admin/audit' ? <Audit /> : null}
    </section>
  );
}

function bytes(n: number, language: string): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const number = new Intl.NumberFormat(language === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value);
  return `${number} ${language === 'fr' ? units[unit]!.replace('B', 'o') : units[unit]}`;
}

function Stats() {
  const t = useT('admin');
  const { language } = useLanguage();
  const stats = useAsync(() => unwrap(api.GET('/api/v1/admin/stats')), []);
  if (stats.loading && !stats.data) return <Loading />;
  if (stats.error) return <ErrorMessage error={stats.error} onRetry={() => void stats.reload()} />;
  const s = stats.data;
  if (!s) return null;
  const number = new Intl.NumberFormat(language === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: 2 });
  const rows: Array<[string, string]> = [
    [t('users'), number.format(s.users)],
    [t('activeUsers'), number.format(s.activeUsers)],
    [t('disabledUsers'), number.format(s.disabledUsers)],
    [t('freezers'), number.format(s.freezers)],
    [t('productsInside'), number.format(s.productsInside)],
    [t('productsOut'), number.format(s.productsOut)],
    [t('portionsInside'), number.format(s.portionsInside)],
    [t('averagePerUser'), number.format(s.averageProductsPerUser)],
    [t('photos'), number.format(s.photos)],
    [t('storage'), bytes(s.photoBytes, language)],
  ];
  return (
    <dl className="admin-stats">
      {rows.map(([label, value]) => (
        <div key={label} className="admin-stat card">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

interface TypeDraft {
  nameEn: string;
  nameFr: string;
  periodMonths: string;
}

function TypeFields({ draft, onChange }: { draft: TypeDraft; onChange(draft: TypeDraft): void }) {
  const t = useT('admin');
  return (
    <div className="form-row">
      <Field label={t('nameEn')}>
        <input value={draft.nameEn} onChange={(e) => onChange({ ...draft, nameEn: e.target.value })} required maxLength={128} />
      </Field>
      <Field label={t('nameFr')}>
        <input value={draft.nameFr} onChange={(e) => onChange({ ...draft, nameFr: e.target.value })} required maxLength={128} />
      </Field>
      <Field label={t('period')} hint={t('periodHint')}>
        <input type="number" inputMode="numeric" min={1} max={120} value={draft.periodMonths} onChange={(e) => onChange({ ...draft, periodMonths: e.target.value })} required />
      </Field>
    </div>
  );
}

const toBody = (draft: TypeDraft) => ({ nameEn: draft.nameEn.trim(), nameFr: draft.nameFr.trim(), periodMonths: Number(draft.periodMonths) });

function Types() {
  const t = useT('admin');
  const common = useT('common');
  const errorText = useErrorText();
  const types = useAsync(() => unwrap(api.GET('/api/v1/types')), []);
  const [draft, setDraft] = useState<TypeDraft>({ nameEn: '', nameFr: '', periodMonths: '3' });
  const [adding, setAdding] = useState(false);
  const [addError, setAddError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [editing, setEditing] = useState<TypeRow | null>(null);
  const [editDraft, setEditDraft] = useState<TypeDraft>({ nameEn: '', nameFr: '', periodMonths: '' });
  const [editError, setEditError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [deleting, setDeleting] = useState<TypeRow | null>(null);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const [busyDelete, setBusyDelete] = useState(false);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setAdding(true);
    setAddError(null);
    setNotice('');
    try {
      const created = await unwrap(api.POST('/api/v1/types', { body: toBody(draft) }));
      setDraft({ nameEn: '', nameFr: '', periodMonths: '3' });
      await types.reload();
      setNotice(t('typeAdded', { name: created.name }));
    } catch (err) {
      setAddError(err);
    } finally {
      setAdding(false);
    }
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!editing) return;
    setSaving(true);
    setEditError(null);
    try {
      const saved = await unwrap(api.PATCH('/api/v1/types/{id}', { params: { path: { id: editing.id } }, body: toBody(editDraft) }));
      setEditing(null);
      await types.reload();
      setNotice(t('typeSaved', { name: saved.name }));
    } catch (err) {
      setEditError(err);
    } finally {
      setSaving(false);
    }
  };

  const remove = async () => {
    if (!deleting) return;
    setBusyDelete(true);
    setDeleteError(null);
    try {
      await unwrap(api.DELETE('/api/v1/types/{id}', { params: { path: { id: deleting.id } } }));
      setDeleting(null);
      await types.reload();
      setNotice(t('typeDeleted', { name: deleting.name }));
    } catch (err) {
      setDeleteError(err);
    } finally {
      setBusyDelete(false);
    }
  };

  return (
    <>
      <p>{t('typesIntro')}</p>
      <form className="card form" onSubmit={add} aria-label={t('addType')}>
        <h3>{t('addType')}</h3>
        <TypeFields draft={draft} onChange={setDraft} />
        {addError ? (
          <p className="field-error" role="alert">
            {errorText(addError)}
          </p>
        ) : null}
        <Button type="submit" variant="primary" busy={adding}>
          {t('add')}
        </Button>
      </form>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {types.loading && !types.data ? <Loading /> : null}
      <ErrorMessage error={types.error} onRetry={() => void types.reload()} />
      {types.data ? (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t('typesTab')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('nameEn')}</th>
                <th scope="col">{t('nameFr')}</th>
                <th scope="col">{t('period')}</th>
                <th scope="col">{t('actions')}</th>
              </tr>
            </thead>
            <tbody>
              {types.data.map((type) => (
                <tr key={type.id}>
                  <th scope="row">{type.nameEn}</th>
                  <td>{type.nameFr}</td>
                  <td>{t('months', { n: type.periodMonths })}</td>
                  <td className="admin-row-actions">
                    <Button
                      className="btn-small"
                      aria-label={t('editLabel', { name: type.name })}
                      onClick={() => {
                        setEditError(null);
                        setEditDraft({ nameEn: type.nameEn, nameFr: type.nameFr, periodMonths: String(type.periodMonths) });
                        setEditing(type);
                      }}
                    >
                      {t('edit')}
                    </Button>
                    <Button
                      className="btn-small"
                      variant="danger"
                      aria-label={t('deleteLabel', { name: type.name })}
                      onClick={() => {
                        setDeleteError(null);
                        setDeleting(type);
                      }}
                    >
                      {t('delete')}
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <Dialog open={editing !== null} title={editing ? t('editType', { name: editing.name }) : ''} onClose={() => setEditing(null)}>
        <form className="form" onSubmit={save}>
          <TypeFields draft={editDraft} onChange={setEditDraft} />
          {editError ? (
            <p className="field-error" role="alert">
              {errorText(editError)}
            </p>
          ) : null}
          <div className="actions">
            <Button type="submit" variant="primary" busy={saving}>
              {common('save')}
            </Button>
            <Button onClick={() => setEditing(null)}>{common('cancel')}</Button>
          </div>
        </form>
      </Dialog>
      <Dialog open={deleting !== null} title={deleting ? t('deleteConfirm', { name: deleting.name }) : ''} onClose={() => setDeleting(null)}>
        {deleteError ? (
          <p className="field-error" role="alert">
            {errorText(deleteError)}
          </p>
        ) : null}
        <div className="actions">
          <Button variant="danger" onClick={() => void remove()} busy={busyDelete}>
            {t('delete')}
          </Button>
          <Button onClick={() => setDeleting(null)}>{common('cancel')}</Button>
        </div>
      </Dialog>
    </>
  );
}

function Pager({ offset, limit, total, onPage }: { offset: number; limit: number; total: number; onPage(offset: number): void }) {
  const t = useT('admin');
  const pages = Math.max(1, Math.ceil(total / limit));
  const page = Math.floor(offset / limit) + 1;
  return (
    <nav className="admin-pager" aria-label={t('pagination')}>
      <Button onClick={() => onPage(Math.max(0, offset - limit))} disabled={offset === 0}>
        {t('previous')}
      </Button>
      <span aria-live="polite">{t('pageOf', { page, pages, total })}</span>
      <Button onClick={() => onPage(offset + limit)} disabled={offset + limit >= total}>
        {t('next')}
      </Button>
    </nav>
  );
}

const USERS_PAGE = 25;

function Users() {
  const t = useT('admin');
  const { language } = useLanguage();
  const me = useUser();
  const errorText = useErrorText();
  const [query, setQuery] = useState('');
  const [draft, setDraft] = useState('');
  const [offset, setOffset] = useState(0);
  const users = useAsync(
    () => unwrap(api.GET('/api/v1/admin/users', { params: { query: { limit: USERS_PAGE, offset, ...(query ? { q: query } : {}) } } })),
    [query, offset],
  );
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');

  const change = async (user: UserRow, body: { disabled?: boolean; role?: 'user' | 'admin' }, key: string) => {
    setBusy(key);
    setError(null);
    setNotice('');
    try {
      const saved = await unwrap(api.PATCH('/api/v1/admin/users/{id}', { params: { path: { id: user.id } }, body }));
      await users.reload();
      setNotice(t('userSaved', { email: saved.email }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <form
        className="card form"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setOffset(0);
          setQuery(draft.trim());
        }}
      >
        <Field label={t('searchUsers')}>
          <input type="search" value={draft} onChange={(e) => setDraft(e.target.value)} maxLength={254} />
        </Field>
        <Button type="submit">{t('search')}</Button>
      </form>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" role="alert">
          {errorText(error)}
        </p>
      ) : null}
      {users.loading && !users.data ? <Loading /> : null}
      <ErrorMessage error={users.error} onRetry={() => void users.reload()} />
      {users.data && users.data.items.length === 0 ? <p>{t('noUsers')}</p> : null}
      {users.data && users.data.items.length > 0 ? (
        <>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t('usersTab')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('email')}</th>
                  <th scope="col">{t('role')}</th>
                  <th scope="col">{t('status')}</th>
                  <th scope="col">{t('since')}</th>
                  <th scope="col">{t('actions')}</th>
                </tr>
              </thead>
              <tbody>
                {users.data.items.map((user) => {
                  const disableLabel = user.disabled ? t('enable') : t('disable');
                  const roleLabel = user.role === 'admin' ? t('removeAdmin') : t('makeAdmin');
                  return (
                    <tr key={user.id}>
                      <th scope="row">
                        {user.email} {user.id === me.id ? t('you') : null}
                      </th>
                      <td>{user.role === 'admin' ? t('roleAdmin') : t('roleUser')}</td>
                      <td>{user.disabled ? t('statusDisabled') : t('statusActive')}</td>
                      <td>{formatDate(user.createdAt, language)}</td>
                      <td className="admin-row-actions">
                        <Button
                          className="btn-small"
                          aria-label={t('actionFor', { action: disableLabel, email: user.email })}
                          busy={busy === `d${user.id}`}
                          onClick={() => void change(user, { disabled: !user.disabled }, `d${user.id}`)}
                        >
                          {disableLabel}
                        </Button>
                        <Button
                          className="btn-small"
                          aria-label={t('actionFor', { action: roleLabel, email: user.email })}
                          busy={busy === `r${user.id}`}
                          onClick={() => void change(user, { role: user.role === 'admin' ? 'user' : 'admin' }, `r${user.id}`)}
                        >
                          {roleLabel}
                        </Button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} limit={USERS_PAGE} total={users.data.total} onPage={setOffset} />
        </>
      ) : null}
    </>
  );
}

const AUDIT_PAGE = 25;

function Audit() {
  const t = useT('admin');
  const { language } = useLanguage();
  const [offset, setOffset] = useState(0);
  const [action, setAction] = useState('');
  const [draft, setDraft] = useState('');
  const audit = useAsync(
    () => unwrap(api.GET('/api/v1/admin/audit', { params: { query: { limit: AUDIT_PAGE, offset, ...(action ? { action } : {}) } } })),
    [offset, action],
  );
  const when = new Intl.DateTimeFormat(language === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
  return (
    <>
      <form
        className="card form"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setOffset(0);
          setAction(draft.trim());
        }}
      >
        <Field label={t('filterAction')} hint={t('filterHint')}>
          <input value={draft} onChange={(e) => setDraft(e.target.value)} maxLength={100} />
        </Field>
        <Button type="submit">{t('filter')}</Button>
      </form>
      {audit.loading && !audit.data ? <Loading /> : null}
      <ErrorMessage error={audit.error} onRetry={() => void audit.reload()} />
      {audit.data && audit.data.items.length === 0 ? <EmptyState title={t('auditEmpty')} /> : null}
      {audit.data && audit.data.items.length > 0 ? (
        <>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t('auditTab')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('when')}</th>
                  <th scope="col">{t('who')}</th>
                  <th scope="col">{t('what')}</th>
                  <th scope="col">{t('object')}</th>
                  <th scope="col">{t('address')}</th>
                </tr>
              </thead>
              <tbody>
                {audit.data.items.map((entry) => (
                  <tr key={entry.id}>
                    <td>
                      <time dateTime={entry.createdAt}>{when.format(new Date(entry.createdAt))}</time>
                    </td>
                    <td>{entry.userEmail ?? t('nobody')}</td>
                    <th scope="row">
                      <code>{entry.action}</code>
                    </th>
                    <td>
                      {entry.objectType}
                      {entry.objectId ? ` #${entry.objectId}` : ''}
                    </td>
                    <td>{entry.ip ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} limit={AUDIT_PAGE} total={audit.data.total} onPage={setOffset} />
        </>
      ) : null}
    </>
  );
}
