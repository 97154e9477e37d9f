# The N-API reader: `node-gyp rebuild --directory=native` -> native/build/Release/perftop_reader.node.
# C++ with exceptions on (node-addon-api's except variant); the segment layout comes from perftop_segment.h.
{
  "targets": [
    {
      "target_name": "perftop_reader",
      "sources": ["reader.cc"],
      "include_dirs": ["."],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
