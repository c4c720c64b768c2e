/** Production server, no telemetry, no image optimisation: just the route handlers. */
const config = {
  poweredByHeader: false,
};
export default config;
