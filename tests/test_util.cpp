#include "test_util.h"

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace lowspec::test {

int run_lowspec(const std::string& args, std::string* out, std::string* err) {
  TempDir dir;
  std::string out_file = dir.file("out"), err_file = dir.file("err");
  std::string cmd = std::string("'") + LOWSPEC_EXE + "' " + args + " >'" + out_file + "' 2>'" +
                    err_file + "' </dev/null";
  int status = std::system(cmd.c_str());
  auto slurp = [](const std::string& f) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  if (out) *out = slurp(out_file);
  if (err) *err = slurp(err_file);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace lowspec::test
