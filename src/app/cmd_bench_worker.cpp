// lowspec bench-worker: one benchmark configuration in this process (started by lowspec bench).
#include <cstdio>

#include "app/command.h"
#include "bench/worker.h"
#include "core/error.h"
#include "core/json_util.h"

namespace lowspec::app {
namespace {

CommandRegistrar bench_worker_command{{"bench-worker",
                      "Run one benchmark configuration given as JSON and print its record "
                      "(used by lowspec bench; each configuration runs in its own process)",
                      [](CLI::App& app) -> std::function<int()> {
                        auto spec = std::make_shared<std::string>();
                        auto probe = std::make_shared<int>(0);
                        auto* spec_opt = app.add_option("--spec", *spec, "The configuration, as JSON");
                        app.add_option("--probe", *probe,
                                       "Instead: measure read bandwidth and FMA peak at this many threads")
                            ->excludes(spec_opt);
                        return [spec, probe] {
                          if (*probe > 0) {
                            std::printf("%s\n", run_machine_probe(*probe).dump().c_str());
                            return 0;
                          }
                          if (spec->empty()) throw Error("bench-worker: give --spec or --probe");
                          Json j = parse_json(*spec, "--spec");
                          Json r = run_bench_worker(BenchConfig::from_json(j));
                          std::printf("%s\n", r.dump().c_str());
                          return 0;
                        };
                      }}};

}  // namespace
}  // namespace lowspec::app
