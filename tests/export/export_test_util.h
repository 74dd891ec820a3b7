// Reports for the export tests beyond the seed.
#ifndef GONGKAI_TESTS_EXPORT_EXPORT_TEST_UTIL_H_
#define GONGKAI_TESTS_EXPORT_EXPORT_TEST_UTIL_H_

#include "gongkai/v1/report.pb.h"

namespace gongkai::testing {

// A 2021-edition report with a money cell (本年收费金额 25.1 万元), an uncertain cell
// (table 三 row 一 总计), a filled cell beside blank ones, and one 行政复议 case.
inline v1::Report Report2021() {
  v1::Report report;
  report.mutable_key()->set_region_code("330226000000");
  report.mutable_key()->set_year(2021);
  report.mutable_key()->set_scope(v1::SCOPE_SUMMARY);
  report.set_edition(v1::EDITION_2021);
  report.set_title("宁海县2021年政府信息公开工作年度报告");
  auto* table2 = report.mutable_table2_2021();
  table2->mutable_item1()->mutable_rules()->set_issued(2);
  table2->mutable_item1()->mutable_rules()->set_repealed(0);
  table2->mutable_item1()->mutable_rules()->set_in_force(7);
  table2->mutable_item8()->mutable_fees()->set_amount(25'100'000);  // 25.1 万元
  report.mutable_table3()->mutable_new_requests()->set_natural_person(3);
  report.add_uncertain_cells("table3.new_requests.total");
  auto* reconsideration = report.mutable_table4()->mutable_reconsideration();
  reconsideration->set_upheld(1);
  reconsideration->set_total(1);
  return report;
}

}  // namespace gongkai::testing

#endif  // GONGKAI_TESTS_EXPORT_EXPORT_TEST_UTIL_H_
