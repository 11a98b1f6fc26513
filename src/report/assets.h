// The report pages' templates (src/report/assets/*.html), compiled into faultline so that a report
// can be written anywhere without files beside the binary.
#ifndef FAULTLINE_SRC_REPORT_ASSETS_H_
#define FAULTLINE_SRC_REPORT_ASSETS_H_

#include <string_view>

namespace faultline::report::assets {

extern const std::string_view kReportPage;  // report.html; data goes at {{FAULTLINE_REPORT_DATA}}
extern const std::string_view kRunsPage;    // runs/index.html; data goes at {{FAULTLINE_RUNS_DATA}}

}  // namespace faultline::report::assets

#endif  // FAULTLINE_SRC_REPORT_ASSETS_H_
