// The leakcheck executable: everything happens in RunCli so tests can call it too.
#include "harness/cli/cli.h"

int main(int argc, char** argv) { return leakcheck::RunCli(argc, argv); }
