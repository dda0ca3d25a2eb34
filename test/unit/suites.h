/* test/unit/suites.h — the unit-test suites, one line each, run in this order */
SUITE(suite_moments)
SUITE(suite_comoments)
SUITE(suite_sketch)
SUITE(suite_scaler)
SUITE(suite_json)
SUITE(suite_spec)
SUITE(suite_model_io)
