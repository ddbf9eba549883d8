/* Prints the version of the ecgdig C library it was linked against. */
#include <stdio.h>

#include <ecgdig.h>

int main(void) {
  printf("ecgdig %s\n", ecgdig_version());
  return 0;
}
