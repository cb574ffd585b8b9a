// lowspec bench-worker: one benchmark configuration in this process (started by lowspec bench).
#include <cstdio>

#include "app/command.h"
#include "bench/worker.h"
#include "core/json_util.h"

namespace lowspec::app {
namespace {

CommandRegistrar reg{{"bench-worker",
                      "Run one benchmark configuration given as JSON and print its record "
                      "(used by lowspec bench; each configuration runs in its own process)",
                      [](CLI::App& app) -> std::function<int()> {
                        auto spec = std::make_shared<std::string>();
                        app.add_option("--spec", *spec, "The configuration, as JSON")->required();
                        return [spec] {
                          Json j = parse_json(*spec, "--spec");
                          Json r = run_bench_worker(BenchConfig::from_json(j));
                          std::printf("%s\n", r.dump().c_str());
                          return 0;
                        };
                      }}};

}  // namespace
}  // namespace lowspec::app
