import { useCallback, useEffect, useId, useRef, useState, type DragEvent } from 'react';
import { problemText } from '../../api/problem';
import { useLanguage, useT } from '../../i18n';
import { Button, useOnline } from '../../ui';
import { uploadPhoto, type UploadEntry } from './upload';

type State = 'waiting' | 'uploading' | 'processing' | 'created' | 'duplicate' | 'refused' | 'failed';

interface Item {
  key: number;
  file: File;
  state: State;
  /** 0..1 of the bytes sent. */
  progress: number;
  detail: string;
}

/** Files sent at once; the others wait their turn. */
const CONCURRENCY = 2;
let nextKey = 1;

/**
 * Drag-and-drop, file picker and phone camera; one request per file so that each has its own progress bar
 * and its own answer (a refused file shows why, the others go on).
 */
export function Uploader({ productId, onUploaded }: { productId?: number; onUploaded(entry: UploadEntry): void }) {
  const t = useT('photos');
  const common = useT('common');
  const { language } = useLanguage();
  const online = useOnline();
  const titleId = useId();
  const hintId = useId();
  const filesInput = useRef<HTMLInputElement>(null);
  const cameraInput = useRef<HTMLInputElement>(null);
  const [items, setItems] = useState<Item[]>([]);
  const [dragging, setDragging] = useState(false);
  const running = useRef(0);
  const itemsRef = useRef(items);
  itemsRef.current = items;
  const onUploadedRef = useRef(onUploaded);
  onUploadedRef.current = onUploaded;

  const patch = useCallback((key: number, change: Partial<Item>) => {
    setItems((list) => list.map((item) => (item.key === key ? { ...item, ...change } : item)));
  }, []);

  const pump = useCallback(() => {
    const waiting = itemsRef.current.filter((item) => item.state === 'waiting');
    for (const item of waiting) {
      if (running.current >= CONCURRENCY) break;
      running.current += 1;
      item.state = 'uploading';
      patch(item.key, { state: 'uploading', progress: 0 });
      uploadPhoto(item.file, {
        ...(productId !== undefined ? { productId } : {}),
        language,
        onProgress: (fraction) => patch(item.key, { progress: fraction, state: fraction >= 1 ? 'processing' : 'uploading' }),
      })
        .then((entry) => {
          if (entry.status === 'refused') {
            patch(item.key, { state: 'refused', progress: 1, detail: entry.error?.detail ?? common('unexpectedError') });
          } else {
            patch(item.key, { state: entry.status, progress: 1 });
            onUploadedRef.current(entry);
          }
        })
        .catch((error: unknown) => {
          patch(item.key, { state: 'failed', detail: problemText(error, { network: common('networkError'), unexpected: common('unexpectedError') }) });
        })
        .finally(() => {
          running.current -= 1;
          pump();
        });
    }
  }, [common, language, patch, productId]);

  useEffect(() => {
    if (items.some((item) => item.state === 'waiting')) pump();
  }, [items, pump]);

  const add = (files: FileList | File[] | null) => {
    if (!files || files.length === 0) return;
    const added = Array.from(files).map((file) => ({ key: nextKey++, file, state: 'waiting' as const, progress: 0, detail: '' }));
    setItems((list) => [...list, ...added]);
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    add(event.dataTransfer.files);
  };

  const done = items.filter((item) => item.state === 'created' || item.state === 'duplicate').length;
  const finished = items.length > 0 && items.every((item) => !['waiting', 'uploading', 'processing'].includes(item.state));

  const statusText = (item: Item) => {
    switch (item.state) {
      case 'waiting':
        return t('waiting');
      case 'uploading':
        return t('uploading', { percent: Math.round(item.progress * 100) });
      case 'processing':
        return t('processing');
      case 'created':
        return t('created');
      case 'duplicate':
        return t('duplicate');
      case 'refused':
        return t('refused', { detail: item.detail });
      case 'failed':
        return t('failed', { detail: item.detail });
    }
  };

  return (
    <section className="card uploader" aria-labelledby={titleId}>
      <h2 id={titleId}>{t('uploadTitle')}</h2>
      <div
        className={['drop-zone', dragging ? 'drop-zone-active' : ''].filter(Boolean).join(' ')}
        onDragEnter={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragOver={(event) => {
          event.preventDefault();
          event.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>{t('dropHere')}</p>
        <div className="actions">
          <Button variant="primary" onClick={() => filesInput.current?.click()} aria-describedby={hintId} disabled={!online}>
            {t('chooseFiles')}
          </Button>
          <Button onClick={() => cameraInput.current?.click()} disabled={!online}>
            {t('takePhoto')}
          </Button>
        </div>
        <p className="field-hint" id={hintId}>
          {t('uploadHint')}
        </p>
        <input
          ref={filesInput}
          type="file"
          accept="image/*"
          multiple
          hidden
          onChange={(event) => {
            add(event.currentTarget.files);
            event.currentTarget.value = '';
          }}
        />
        <input
          ref={cameraInput}
          type="file"
          accept="image/*"
          capture="environment"
          multiple
          hidden
          onChange={(event) => {
            add(event.currentTarget.files);
            event.currentTarget.value = '';
          }}
        />
      </div>
      {items.length > 0 ? (
        <>
          <h3>{t('uploads')}</h3>
          <p role="status">{t('uploadSummary', { done, total: items.length })}</p>
          <ul className="upload-list">
            {items.map((item) => (
              <li key={item.key} className={`upload-item upload-${item.state}`}>
                <span className="upload-name">{item.file.name}</span>
                <progress max={100} value={Math.round(item.progress * 100)} aria-label={t('uploadOf', { name: item.file.name })} />
                <span className="upload-status" role={item.state === 'refused' || item.state === 'failed' ? 'alert' : undefined}>
                  {statusText(item)}
                </span>
              </li>
            ))}
          </ul>
          {finished ? (
            <Button variant="ghost" onClick={() => setItems([])}>
              {t('clearFinished')}
            </Button>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
