/** The four dispatch implementations compared by the differential tests. */
import * as runwire from 'runwire';
import * as runwireWeb from 'runwire/web';

export function implementations(lc) {
  return {
    core: { web: false, dispatch: lc.coreDispatch },
    runwire: { web: false, dispatch: runwire.dispatchCustomEvent },
    'core-web': { web: true, dispatch: lc.coreDispatchWeb },
    'runwire-web': { web: true, dispatch: runwireWeb.dispatchCustomEvent },
  };
}
