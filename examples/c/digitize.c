/* Digitizes one ECG page with the C API and prints each lead's name, where
 * its trace starts and its first samples.
 * Usage: digitize_c PAGE.png [OUT.json] */
#include <ecgdig.h>

#include <math.h>
#include <stdio.h>

static int fail(const char *what, ecgdig_status status) {
  fprintf(stderr, "%s failed (%s): %s\n", what, ecgdig_status_name(status),
          ecgdig_last_error_message());
  return 1;
}

int main(int argc, char **argv) {
  ecgdig_pipeline_options opts = ECGDIG_PIPELINE_OPTIONS_INIT;
  ecgdig_pipeline *pipeline = NULL;
  ecgdig_result *result = NULL;
  ecgdig_status status;
  const char *layout = NULL;
  size_t lead_count = 0;
  size_t i;
  int shown = 0;

  if (argc < 2) {
    fprintf(stderr, "usage: %s PAGE [OUT.json]\n", argv[0]);
    return 2;
  }
  if (ecgdig_abi_version() < ECGDIG_ABI_VERSION) {
    fprintf(stderr, "libecgdig_c is older than this program's header\n");
    return 1;
  }
  if ((status = ecgdig_pipeline_create(&opts, &pipeline)) != ECGDIG_OK)
    return fail("ecgdig_pipeline_create", status);
  status = ecgdig_digitize_file(pipeline, argv[1], &result);
  ecgdig_pipeline_free(pipeline); /* the result stays valid */
  if (status != ECGDIG_OK) return fail("ecgdig_digitize_file", status);

  ecgdig_result_layout_name(result, &layout);
  ecgdig_result_lead_count(result, &lead_count);
  printf("ecgdig %s: %s, layout %s, %zu leads\n", ecgdig_version(), argv[1], layout, lead_count);
  for (i = 0; i < lead_count; ++i) {
    const char *name = NULL;
    const float *mv = NULL;
    size_t n = 0, first, k;
    double fs_hz = 0, start_s = 0;
    ecgdig_result_lead_name(result, i, &name);
    ecgdig_result_lead_samples(result, i, &mv, &n, &fs_hz, &start_s);
    if (isnan(start_s)) {
      printf("%-4s not on the page\n", name);
      continue;
    }
    ++shown;
    first = (size_t)(start_s * fs_hz + 0.5);
    printf("%-4s %zu samples at %.0f Hz from %.2f s:", name, n, fs_hz, start_s);
    for (k = first; k < first + 5 && k < n; ++k) printf(" %+.3f", mv[k]);
    printf(" mV\n");
  }
  if (argc > 2 && (status = ecgdig_result_write(result, argv[2], ECGDIG_RECORD_JSON)) != ECGDIG_OK) {
    ecgdig_result_free(result);
    return fail("ecgdig_result_write", status);
  }
  ecgdig_result_free(result);
  return shown == 12 ? 0 : 1;
}
