#include "trace_model.h"
bool timeline_html(const char *path, const struct trace_model *m, const char *title, const char *findings) { (void)path; (void)m; (void)title; (void)findings; return true; }
