// Boost.URL's compiled part (percent-encoding, URL parsing), built once for the project.
#include <boost/url/src.hpp>
