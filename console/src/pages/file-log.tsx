import { useI18n } from '../i18n.ts';
import { Section, type PageProps } from '../ui.tsx';

/** Waits for issue 16's /corps/{corpId}/file-events: says so rather than showing an empty log. */
export const FileLog = (_: PageProps) => {
  const { t } = useI18n();
  return (
    <Section title={t('nav.fileLog')} id="file-log">
      <p class="pending">{t('fileLog.pending')}</p>
    </Section>
  );
};
