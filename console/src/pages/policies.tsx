import { useEffect, useState } from 'preact/hooks';
import { formatTime, useI18n } from '../i18n.ts';
import { ids, Loading, Notice, ProblemText, Section, useLoad, type PageProps } from '../ui.tsx';

type Policy = { type: string; enabled: boolean; scope: { all: true } | { memberIds?: string[]; departmentIds?: string[] }; settings: Record<string, unknown>; version: number; changedBy: string | null; changedAt: string | null };

/** A field per setting, by the value's kind: booleans as checkboxes, lists as comma-separated text. */
const SettingField = ({ name, value, onChange }: { name: string; value: unknown; onChange: (v: unknown) => void }) => {
  if (typeof value === 'boolean') {
    return <label class="check"><input type="checkbox" name={name} checked={value} onChange={(e) => onChange(e.currentTarget.checked)} />{name}</label>;
  }
  if (typeof value === 'number') {
    return <label>{name}<input type="number" name={name} value={value} onInput={(e) => onChange(Number(e.currentTarget.value))} /></label>;
  }
  if (Array.isArray(value)) {
    return <label>{name}<input name={name} value={value.join(', ')} onInput={(e) => onChange(ids(e.currentTarget.value))} /></label>;
  }
  return <label>{name}<input name={name} value={String(value ?? '')} onInput={(e) => onChange(e.currentTarget.value)} /></label>;
};

/** `notice` lives in the page: saving bumps the version, which mounts a fresh editor for it. */
const Editor = ({ api, corpId, policy, saved, notice }: PageProps & { policy: Policy; saved: (version: number) => void; notice: string | null }) => {
  const { lang, t } = useI18n();
  const type = policy.type as 'devices';
  const [enabled, setEnabled] = useState(policy.enabled);
  const [all, setAll] = useState('all' in policy.scope);
  const [memberIds, setMemberIds] = useState('all' in policy.scope ? '' : (policy.scope.memberIds ?? []).join(', '));
  const [departmentIds, setDepartmentIds] = useState('all' in policy.scope ? '' : (policy.scope.departmentIds ?? []).join(', '));
  const [settings, setSettings] = useState<Record<string, unknown>>(policy.settings);
  const [problem, setProblem] = useState<unknown>(undefined);
  const versions = useLoad(() => api.GET('/corps/{corpId}/policies/{type}/versions', { params: { path: { corpId, type } } }), [corpId, type, policy.version]);

  const save = async (event: Event) => {
    event.preventDefault();
    const { data, error } = await api.PUT('/corps/{corpId}/policies/{type}', {
      params: { path: { corpId, type }, header: { 'If-Match': `"${policy.version}"` } },
      body: {
        enabled,
        scope: all ? { all: true } : { memberIds: ids(memberIds), departmentIds: ids(departmentIds) },
        settings: settings as never,
      },
    });
    setProblem(error);
    if (data) saved(data.version);
  };

  return (
    <Section title={`${t('pol.edit')}: ${t(`policy.${policy.type}` as 'policy.devices')}`} id="editor">
      <form onSubmit={save}>
        <label class="check"><input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />{t('pol.enabled')}</label>
        <fieldset>
          <legend>{t('pol.scope')}</legend>
          <label class="check"><input type="checkbox" name="scopeAll" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} />{t('pol.scopeAll')}</label>
          {!all && (
            <>
              <label>{t('pol.scopeMembers')}<input name="memberIds" value={memberIds} onInput={(e) => setMemberIds(e.currentTarget.value)} /></label>
              <label>{t('pol.scopeDepartments')}<input name="departmentIds" value={departmentIds} onInput={(e) => setDepartmentIds(e.currentTarget.value)} /></label>
            </>
          )}
        </fieldset>
        <fieldset>
          <legend>{t('pol.settings')}</legend>
          {Object.entries(settings).map(([name, value]) => (
            <SettingField key={name} name={name} value={value} onChange={(v) => setSettings({ ...settings, [name]: v })} />
          ))}
        </fieldset>
        <button type="submit">{t('common.save')}</button>
      </form>
      <Notice text={notice} />
      <ProblemText error={problem} />
      <h3>{t('pol.history')}</h3>
      {!versions.data ? <Loading /> : versions.data.items.length === 0 ? <p>{t('common.none')}</p> : (
        <table>
          <thead><tr><th scope="col">{t('pol.version')}</th><th scope="col">{t('pol.changedBy')}</th><th scope="col">{t('pol.changedAt')}</th><th scope="col">{t('pol.enabled')}</th><th scope="col">{t('pol.scope')}</th></tr></thead>
          <tbody>
            {versions.data.items.map((v) => (
              <tr key={v.version}>
                <td>{v.version}</td><td>{v.changedBy}</td><td>{formatTime(lang, v.changedAt)}</td><td>{v.policy.enabled ? t('yes') : t('no')}</td>
                <td>{'all' in v.policy.scope ? t('pol.scopeAll') : [...(v.policy.scope.memberIds ?? []), ...(v.policy.scope.departmentIds ?? [])].join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
};

const Effective = ({ api, corpId }: PageProps) => {
  const { t } = useI18n();
  const [memberId, setMemberId] = useState('');
  const [result, setResult] = useState<Record<string, { applies: boolean; reason: string; settings: Record<string, unknown> | null }> | null>(null);
  const [problem, setProblem] = useState<unknown>(undefined);
  const check = async (event: Event) => {
    event.preventDefault();
    const { data, error } = await api.GET('/corps/{corpId}/members/{memberId}/effective-policy', { params: { path: { corpId, memberId: memberId.trim() } } });
    setProblem(error);
    setResult(data ?? null);
  };
  return (
    <Section title={t('pol.effective')} id="effective">
      <form onSubmit={check} class="inline">
        <label>{t('common.member')}<input name="effectiveMemberId" value={memberId} required onInput={(e) => setMemberId(e.currentTarget.value)} /></label>
        <button type="submit">{t('pol.check')}</button>
      </form>
      <ProblemText error={problem} />
      {result && (
        <table data-testid="effective">
          <thead><tr><th scope="col">{t('pol.type')}</th><th scope="col">{t('pol.applies')}</th><th scope="col">{t('pol.reason')}</th><th scope="col">{t('pol.settings')}</th></tr></thead>
          <tbody>
            {Object.entries(result).map(([type, e]) => (
              <tr key={type} data-type={type} data-applies={String(e.applies)}>
                <td>{t(`policy.${type}` as 'policy.devices')}</td>
                <td>{e.applies ? t('yes') : t('no')}</td>
                <td>{t(`reason.${e.reason}` as 'reason.IN_SCOPE')}</td>
                <td><code>{e.settings ? JSON.stringify(e.settings) : '—'}</code></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
};

export const Policies = ({ api, corpId }: PageProps) => {
  const { lang, t } = useI18n();
  const policies = useLoad(() => api.GET('/corps/{corpId}/policies', { params: { path: { corpId } } }), [corpId]);
  const [selected, setSelected] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    if (!selected && policies.data?.items[0]) setSelected(policies.data.items[0].type);
  }, [policies.data]);
  const policy = policies.data?.items.find((p) => p.type === selected) as Policy | undefined;
  return (
    <>
      <Section title={t('pol.list')} id="policies">
        <ProblemText error={policies.error} />
        {!policies.data ? <Loading /> : (
          <table>
            <thead><tr><th scope="col">{t('pol.type')}</th><th scope="col">{t('pol.enabled')}</th><th scope="col">{t('pol.scope')}</th><th scope="col">{t('pol.version')}</th><th scope="col">{t('pol.changedAt')}</th><th scope="col"><span class="sr-only">{t('pol.edit')}</span></th></tr></thead>
            <tbody>
              {policies.data.items.map((p) => (
                <tr key={p.type} class={p.type === selected ? "selected" : ""}>
                  <td>{t(`policy.${p.type}`)}</td>
                  <td>{p.enabled ? t('yes') : t('no')}</td>
                  <td>{'all' in p.scope ? t('pol.scopeAll') : [...(p.scope.memberIds ?? []), ...(p.scope.departmentIds ?? [])].join(', ') || '—'}</td>
                  <td>{p.version}</td>
                  <td>{formatTime(lang, p.changedAt)}</td>
                  <td><button type="button" aria-label={`${t('pol.edit')} ${t(`policy.${p.type}`)}`} onClick={() => (setSelected(p.type), setNotice(null))}>{t('pol.edit')}</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      {policy && <Editor key={`${policy.type}-${policy.version}`} api={api} corpId={corpId} policy={policy} notice={notice} saved={(version) => (setNotice(t('pol.savedVersion', { v: version })), void policies.reload())} />}
      <Effective api={api} corpId={corpId} />
    </>
  );
};
