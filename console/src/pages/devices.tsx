import { useState } from 'preact/hooks';
import { formatTime, useI18n } from '../i18n.ts';
import { Loading, ProblemText, Section, useLoad, type PageProps } from '../ui.tsx';

export const Devices = ({ api, corpId }: PageProps) => {
  const { lang, t } = useI18n();
  const devices = useLoad(() => api.GET('/corps/{corpId}/devices', { params: { path: { corpId }, query: { limit: 200 } } }), [corpId]);
  const [problem, setProblem] = useState<unknown>(undefined);
  const update = async (deviceId: string, trusted: boolean, kind: 'personal' | 'enterprise') => {
    const { error } = await api.PUT('/corps/{corpId}/devices/{deviceId}', { params: { path: { corpId, deviceId } }, body: { trusted, kind } });
    setProblem(error);
    await devices.reload();
  };
  return (
    <Section title={t('nav.devices')} id="devices">
      <ProblemText error={problem ?? devices.error} />
      {!devices.data ? <Loading /> : devices.data.items.length === 0 ? <p>{t('common.none')}</p> : (
        <table>
          <thead><tr><th scope="col">{t('dev.id')}</th><th scope="col">{t('dev.platform')}</th><th scope="col">{t('dev.members')}</th><th scope="col">{t('dev.lastSeen')}</th><th scope="col">{t('dev.trusted')}</th><th scope="col">{t('dev.kind')}</th></tr></thead>
          <tbody>
            {devices.data.items.map((d) => (
              <tr key={d.deviceId}>
                <td>{d.deviceId}</td>
                <td>{d.platform}</td>
                <td>{d.memberIds.join(', ')}</td>
                <td>{formatTime(lang, d.lastSeenAt)}</td>
                <td><input type="checkbox" aria-label={`${t('dev.trusted')} ${d.deviceId}`} checked={d.trusted} onChange={(e) => void update(d.deviceId, e.currentTarget.checked, d.kind)} /></td>
                <td>
                  <select aria-label={`${t('dev.kind')} ${d.deviceId}`} value={d.kind} onChange={(e) => void update(d.deviceId, d.trusted, e.currentTarget.value as 'personal' | 'enterprise')}>
                    <option value="personal">{t('kind.personal')}</option>
                    <option value="enterprise">{t('kind.enterprise')}</option>
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
};
