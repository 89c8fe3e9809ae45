/** order-search.ts for a React screen: one OrderSearch per mounted list, told the ask and the Floor's `at` as they change. */
import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from './api';
import { NOT_SEARCHING, OrderSearch, type OrderAsk, type OrderSearchState } from './order-search';

export function useOrderSearch(ask: OrderAsk | null, at: string | null): OrderSearchState {
  const [state, setState] = useState<OrderSearchState>(NOT_SEARCHING);
  const search = useRef<OrderSearch | null>(null);
  // Made and closed with the list (in an effect: StrictMode mounts twice in development).
  useEffect(() => {
    const s = new OrderSearch((a) => api.floorOrders(a.find, a.limit), setState, (err) => (err instanceof ApiError ? err.code : 'error'));
    search.current = s;
    return () => {
      s.close();
      search.current = null;
    };
  }, []);
  const find = ask?.find;
  const limit = ask?.limit;
  useEffect(() => {
    search.current?.set(find === undefined || limit === undefined ? null : { find, limit }, at);
  }, [find, limit, at]);
  return state;
}
