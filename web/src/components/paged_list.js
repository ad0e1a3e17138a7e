// A filtered listing read page by page (the ledger, the promises): the first page whenever the
// filter changes, the next ones on demand appended to the rows already shown. An answer to an
// older filter or an earlier load that arrives late is dropped, so the rows always match the
// filter on screen.
import { get, query } from '../api.js';
import { useEffect, useRef, useState } from '../html.js';

// `path`: the listing ("/v1/promises"); `rowsKey`: the member holding its rows ("promises").
// Returns { page, error, setError, load }: `load(false)` reads the first page again,
// `load(true)` appends the next one.
export function usePagedList(path, rowsKey, filter) {
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  const latest = useRef(0);
  async function load(more) {
    const asked = ++latest.current;
    try {
      const token = more ? page.next_page_token : undefined;
      const answer = await get(`${path}${query({ ...filter, page_token: token })}`);
      if (asked !== latest.current) return;
      setPage(more ? { ...answer.data, [rowsKey]: [...page[rowsKey], ...answer.data[rowsKey]] } : answer.data);
      setError(null);
    } catch (caught) {
      if (asked === latest.current) setError(caught);
    }
  }
  useEffect(() => {
    load(false);
  }, [filter]);
  return { page, error, setError, load };
}
