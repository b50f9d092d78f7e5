// locality._core: the C++ cases for Python. Only converts types; the logic
// is in runners/python/api.cc, shared with bench_all's code path. The GIL is
// released while C++ runs.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "runners/python/api.h"
#include "runners/lib/result_file.h"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "locality's C++ cases (private; use the locality package)";
  m.def("version", &locality::api::version);
  m.def("catalogue_json", &locality::api::catalogue_json, py::call_guard<py::gil_scoped_release>());
  m.def("machine_json", &locality::api::machine_json, py::arg("counters"),
        py::call_guard<py::gil_scoped_release>());
  m.def("run_json", &locality::api::run_json, py::arg("family_case"), py::arg("size"), py::arg("repetitions"),
        py::arg("min_time"), py::call_guard<py::gil_scoped_release>());
  m.def("write_result", &locality::api::write_result, py::arg("content"), py::arg("path"),
        py::call_guard<py::gil_scoped_release>());
  // std::invalid_argument becomes ValueError (pybind11's default); a result
  // file that exists already FileExistsError; counters that cannot be read
  // and files that cannot be written RuntimeError.
  py::register_exception<locality::FileExists>(m, "ResultFileExists", PyExc_FileExistsError);
}
