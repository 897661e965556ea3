# Turns the driver's Python source into a C++ array, so the binary carries it (no file to install or
# lose beside it). Run at build time: cmake -DIN=driver.py -DOUT=driver_source.cc -P embed.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
file(WRITE "${OUT}" "// Generated from plugins/alembic/driver/orchestrate_alembic_driver.py by embed.cmake: do not edit.\n#include <cstddef>\nnamespace orch {\nextern const unsigned char kAlembicDriverSource[] = {${body} 0};\nextern const std::size_t kAlembicDriverSize = ${bytes};\n}  // namespace orch\n")
