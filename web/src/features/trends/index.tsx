import { useId, useMemo, type ReactNode } from 'react';
import { api, unwrap } from '../../api/client';
import { formatDate, useLanguage, useT, type Language } from '../../i18n';
import { usePageTitle } from '../../router';
import { ErrorMessage, Loading, useAsync } from '../../ui';
import { BarChart } from './BarChart';
import './trends.css';

/** "2026-03" as the reader says it: "Mar 2026" / "mars 2026". */
function monthLabel(month: string, language: Language): string {
  const [year, m] = month.split('-').map(Number);
  if (!year || !m) return month;
  return new Intl.DateTimeFormat(language === 'fr' ? 'fr-FR' : 'en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(year, m - 1, 1)));
}

function Section({ title, text, children }: { title: string; text: string; children: ReactNode }) {
  const id = useId();
  return (
    <section className="card trend" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <p>{text}</p>
      {children}
    </section>
  );
}

/** General and personal tendencies and consumption over time (route /trends). */
export function TrendsPage() {
  const t = useT('trends');
  const common = useT('common');
  const { language } = useLanguage();
  usePageTitle(t('title'), common('appName'));
  // Type names come in the account's language: load again when it changes.
  const data = useAsync(
    async () => {
      const [personal, general, consumption] = await Promise.all([
        unwrap(api.GET('/api/v1/trends/personal', { params: { query: { limit: 20 } } })),
        unwrap(api.GET('/api/v1/trends/general', { params: { query: { limit: 15 } } })),
        unwrap(api.GET('/api/v1/trends/consumption', { params: { query: { months: 12 } } })),
      ]);
      return { personal, general, consumption };
    },
    [language],
  );

  const charts = useMemo(() => {
    if (!data.data) return null;
    const { personal, general, consumption } = data.data;
    const months = consumption.map((c) => monthLabel(c.month, language));
    return {
      personal: { labels: personal.map((p) => p.typeName), values: personal.map((p) => p.freq) },
      general: { labels: general.map((g) => g.typeName), values: general.map((g) => g.freq) },
      consumption: { labels: months, values: consumption.map((c) => c.portions) },
    };
  }, [data.data, language]);

  const summary = (title: string, labels: string[], values: number[]) =>
    t('chartSummary', { title, items: labels.map((label, i) => `${label} ${values[i]}`).join(', ') });

  return (
    <section className="page trends-page">
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      {data.loading && !data.data ? <Loading /> : null}
      <ErrorMessage error={data.error} onRetry={() => void data.reload()} />
      {data.data && charts ? (
        <>
          <Section title={t('personalTitle')} text={t('personalText')}>
            {data.data.personal.length === 0 ? (
              <p className="trend-empty">{t('personalEmpty')}</p>
            ) : (
              <>
                <BarChart label={summary(t('personalTitle'), charts.personal.labels, charts.personal.values)} {...charts.personal} horizontal />
                <details className="table-wrap">
                  <summary>{t('showTable')}</summary>
                  <table>
                    <caption>{t('tableCaption', { title: t('personalTitle') })}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t('type')}</th>
                        <th scope="col">{t('products')}</th>
                        <th scope="col">{t('latest')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {data.data.personal.map((row) => (
                        <tr key={row.typeId}>
                          <th scope="row">{row.typeName}</th>
                          <td>{row.freq}</td>
                          <td>{row.latest ? formatDate(row.latest, language) : t('never')}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </details>
              </>
            )}
          </Section>
          <Section title={t('consumptionTitle')} text={t('consumptionText')}>
            {data.data.consumption.every((c) => c.portions === 0) ? <p className="trend-empty">{t('consumptionEmpty')}</p> : null}
            <BarChart label={summary(t('consumptionTitle'), charts.consumption.labels, charts.consumption.values)} {...charts.consumption} color="#1e6b37" />
            <details className="table-wrap">
                  <summary>{t('showTable')}</summary>
              <table>
                <caption>{t('tableCaption', { title: t('consumptionTitle') })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('month')}</th>
                    <th scope="col">{t('portions')}</th>
                    <th scope="col">{t('productsOut')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.data.consumption.map((row, i) => (
                    <tr key={row.month}>
                      <th scope="row">{charts.consumption.labels[i]}</th>
                      <td>{row.portions}</td>
                      <td>{row.products}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </Section>
          <Section title={t('generalTitle')} text={t('generalText')}>
            {data.data.general.length === 0 ? (
              <p className="trend-empty">{t('generalEmpty')}</p>
            ) : (
              <>
                <BarChart label={summary(t('generalTitle'), charts.general.labels, charts.general.values)} {...charts.general} horizontal color="#5b3a8c" />
                <details className="table-wrap">
                  <summary>{t('showTable')}</summary>
                  <table>
                    <caption>{t('tableCaption', { title: t('generalTitle') })}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t('type')}</th>
                        <th scope="col">{t('products')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {data.data.general.map((row) => (
                        <tr key={row.typeId}>
                          <th scope="row">{row.typeName}</th>
                          <td>{row.freq}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </details>
              </>
            )}
          </Section>
        </>
      ) : null}
    </section>
  );
}
