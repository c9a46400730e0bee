// SystemC's shared library defines main() (which calls sc_main) and so needs an sc_main from
// every executable it is linked into; trnsim executables have their own main, so this definition
// only satisfies the linker and is never called. It is compiled into each executable that links
// trnsim_core (an INTERFACE source in CMakeLists.txt), not into the static library, where the
// linker would pull it in only when an executable happens to use its object file.
extern "C" int sc_main(int, char**) { return 1; }  // as declared by <systemc>
