// Boost.URL's compiled part, built once here (Debian ships no libboost_url): the reporters use
// it to percent-encode repository file paths in report links (escape.cc, UrlPath).
#include <boost/url/src.hpp>
