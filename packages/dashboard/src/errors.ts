/**
 * The dashboard's errors, each with a stable `code`. Problems of the broker connection
 * come from the transport and the monitor, not from here.
 */
import { CeleriacError } from '@celeriac/protocol';

/** Stable codes of the dashboard's errors. */
export const DashboardErrorCode = {
  invalidOption: 'ERR_DASHBOARD_OPTION',
  assetsMissing: 'ERR_DASHBOARD_ASSETS',
  listen: 'ERR_DASHBOARD_LISTEN',
} as const;
/** One of the values of {@link DashboardErrorCode}. */
export type DashboardErrorCode = (typeof DashboardErrorCode)[keyof typeof DashboardErrorCode];

/** An option of `startDashboard` is wrong; the message names it and says why. */
export class DashboardOptionError extends CeleriacError<DashboardErrorCode> {
  /** The option, e.g. `port` or `auth.token`. */
  readonly option: string;
  constructor(option: string, problem: string) {
    super(DashboardErrorCode.invalidOption, `dashboard option ${option}: ${problem}`);
    this.option = option;
  }
}

/** The UI's built files are not there (a checkout that was never built). */
export class DashboardAssetsMissingError extends CeleriacError<DashboardErrorCode> {
  constructor(where: string) {
    super(
      DashboardErrorCode.assetsMissing,
      `the dashboard's UI is not built (no ${where}); run \`npm run build\` first`,
    );
  }
}

/** The HTTP server could not listen (address in use, not permitted, unknown host). */
export class DashboardListenError extends CeleriacError<DashboardErrorCode> {
  constructor(address: string, port: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(DashboardErrorCode.listen, `dashboard cannot listen on ${address}:${port}: ${reason}`, {
      cause,
    });
  }
}
