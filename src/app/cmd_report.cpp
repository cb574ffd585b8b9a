// lowspec report: the comparison tables of the results database.
#include <filesystem>

#include "app/command.h"
#include "bench/report.h"
#include "bench/results_store.h"
#include "bench/suite.h"
#include "core/error.h"

namespace lowspec::app {
namespace {

CommandRegistrar report_command{
    {"report",
     "Print the results database as comparison tables (md, csv or json); md and csv give one row "
     "per configuration, the median of its rounds (lowspec bench --rounds)",
     [](CLI::App& app) -> std::function<int()> {
       auto db = std::make_shared<std::string>();
       auto format = std::make_shared<std::string>("md");
       app.add_option("--db", *db, "Results database (default: ~/.cache/lowspec/results.db)");
       app.add_option("--format", *format, "md, csv (medians of rounds) or json (every run)")
           ->capture_default_str()
           ->check(CLI::IsMember({"md", "csv", "json"}));
       return [db, format] {
         std::string path =
             db->empty() ? (std::filesystem::path(cache_dir()) / "results.db").string() : *db;
         if (!std::filesystem::exists(path))
           throw Error(path, "no results database here (run lowspec bench first)");
         auto store = open_sqlite_store(path);
         std::fputs(format_report(store->all_runs(), *format).c_str(), stdout);
         return 0;
       };
     }}};

}  // namespace
}  // namespace lowspec::app
