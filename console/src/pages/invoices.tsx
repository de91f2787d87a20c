import { useState } from 'preact/hooks';
import { taxIdProblem } from '../../../functions/core/tax-id.ts';
import { formatTime, useI18n } from '../i18n.ts';
import { Loading, Notice, ProblemText, Section, useLoad, type PageProps } from '../ui.tsx';

export const Invoices = ({ api, corpId }: PageProps) => {
  const { lang, t } = useI18n();
  const orders = useLoad(() => api.GET('/corps/{corpId}/orders', { params: { path: { corpId }, query: { limit: 200 } } }), [corpId]);
  const invoices = useLoad(
    () => api.GET('/corps/{corpId}/invoices', { params: { path: { corpId }, query: { limit: 200 } } }),
    [corpId],
    { every: 1500, while: (page) => page.items.some((i) => i.status === 'requested') },
  );
  const [orderId, setOrderId] = useState('');
  const [title, setTitle] = useState('');
  const [taxId, setTaxId] = useState('');
  const [email, setEmail] = useState('');
  const [problem, setProblem] = useState<unknown>(undefined);
  const [notice, setNotice] = useState<string | null>(null);
  const taxIdCheck = taxId ? taxIdProblem(taxId.trim().toUpperCase()) : null;
  const invoiced = new Set((invoices.data?.items ?? []).filter((i) => i.kind === 'blue').map((i) => i.orderId));
  const payable = (orders.data?.items ?? []).filter((o) => o.status === 'active' && !invoiced.has(o.orderId));
  const chosen = orderId || payable[0]?.orderId || '';

  const apply = async (event: Event) => {
    event.preventDefault();
    const { data, error } = await api.POST('/corps/{corpId}/orders/{orderId}/invoices', {
      params: { path: { corpId, orderId: chosen } },
      body: { title: title.trim(), taxId: taxId.trim().toUpperCase(), email: email.trim() },
    });
    setProblem(error);
    setNotice(data ? t('inv.applied', { id: data.invoiceId }) : null);
    await Promise.all([invoices.reload(), orders.reload()]);
  };

  return (
    <>
      <Section title={t('inv.apply')} id="apply">
        <form onSubmit={apply}>
          <label>
            {t('inv.order')}
            <select name="orderId" value={chosen} required onChange={(e) => setOrderId(e.currentTarget.value)}>
              {payable.map((o) => <option key={o.orderId} value={o.orderId}>{o.orderId} · {o.amount.value} {o.amount.currency}</option>)}
            </select>
          </label>
          <label>{t('inv.title')}<input name="title" value={title} required maxLength={100} onInput={(e) => setTitle(e.currentTarget.value)} /></label>
          <label>
            {t('inv.taxId')}
            <input
              name="taxId"
              value={taxId}
              required
              maxLength={18}
              aria-invalid={taxIdCheck ? 'true' : 'false'}
              aria-describedby="tax-id-check"
              onInput={(e) => setTaxId(e.currentTarget.value)}
            />
          </label>
          <p id="tax-id-check" class={taxIdCheck ? 'field-error' : 'field-ok'} aria-live="polite">
            {taxId ? taxIdCheck ?? t('inv.taxIdOk') : ''}
          </p>
          <label>{t('inv.email')}<input name="email" type="email" value={email} required onInput={(e) => setEmail(e.currentTarget.value)} /></label>
          <button type="submit" disabled={!chosen || !!taxIdCheck}>{t('inv.submit')}</button>
        </form>
        <Notice text={notice} />
        <ProblemText error={problem ?? orders.error} />
      </Section>

      <Section title={t('inv.list')} id="invoices">
        <button type="button" class="secondary" onClick={() => void invoices.reload()}>{t('common.refresh')}</button>
        <ProblemText error={invoices.error} />
        {!invoices.data ? <Loading /> : invoices.data.items.length === 0 ? <p>{t('common.none')}</p> : (
          <table>
            <thead><tr><th scope="col">{t('inv.order')}</th><th scope="col">{t('common.status')}</th><th scope="col">{t('inv.dueBy')}</th><th scope="col">{t('inv.amount')}</th><th scope="col">{t('inv.number')}</th><th scope="col">{t('inv.pdf')}</th></tr></thead>
            <tbody>
              {invoices.data.items.map((i) => {
                const overdue = i.status === 'overdue' || (i.status === 'requested' && Date.parse(i.dueBy) < Date.now());
                return (
                  <tr key={i.invoiceId} data-invoice={i.invoiceId} data-status={i.status} class={overdue ? 'overdue' : ''}>
                    <td>{i.orderId}</td>
                    <td>
                      <span class={`badge ${i.status}`}>{t(`status.${i.status}` as 'status.issued')}</span>
                      {overdue && i.status !== 'overdue' && <strong class="overdue-mark"> {t('inv.overdueMark')}</strong>}
                    </td>
                    <td>
                      {formatTime(lang, i.dueBy)}
                      {i.dueByProvisional && <div class="reason">{t('inv.provisional')}</div>}
                    </td>
                    <td>{i.amount.value} {i.amount.currency}</td>
                    <td>{i.invoiceNumber ?? '—'}</td>
                    <td>{i.pdfUrl ? <a href={i.pdfUrl} target="_blank" rel="noopener noreferrer">{t('inv.download')}</a> : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
};
