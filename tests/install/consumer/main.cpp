// Prints the version of the ecgdig library it was linked against.
#include <cstdio>

#include <ecgdig/ecgdig.hpp>

int main() {
  std::printf("ecgdig %s\n", ecgdig::version());
  return 0;
}
