package pii

import (
	"regexp"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// numberType is phonenumbers.GetNumberType on libphonenumber's own
// metadata, with each pattern compiled once per region. The library
// builds every pattern's string again and looks its regexp up in a cache
// at each test, matches each pattern twice, and types a number of a
// shared calling code (+39: Italy and the Vatican) twice, once to find
// its region: together most of the cost of checking a phone candidate.
// TestNumberTypeAgreesWithLibrary holds the two together.
func numberType(num *phonenumbers.PhoneNumber) phonenumbers.PhoneNumberType {
	cc := int(num.GetCountryCode())
	regions := phonenumbers.GetRegionCodesForCountryCode(cc)
	if len(regions) == 0 {
		return phonenumbers.UNKNOWN
	}
	nsn := phonenumbers.GetNationalSignificantNumber(num)
	if len(regions) == 1 {
		rt := typesOf(cc, regions[0])
		if rt == nil {
			return phonenumbers.UNKNOWN
		}
		return rt.of(nsn)
	}
	// As GetRegionCodeForNumber: the first region whose leading digits
	// match, or, for a region without them, whose patterns know the
	// number; its type is the number's.
	for _, region := range regions {
		rt := typesOf(cc, region)
		if rt == nil {
			continue
		}
		if rt.leading != nil {
			if rt.leading.MatchString(nsn) {
				return rt.of(nsn)
			}
		} else if t := rt.of(nsn); t != phonenumbers.UNKNOWN {
			return t
		}
	}
	return phonenumbers.UNKNOWN
}

// regionTypes holds the compiled number patterns of one region.
type regionTypes struct {
	leading *regexp.Regexp // ^(?:leading digits), nil when the region has none
	general typeDesc
	// special are the types tested before fixed line and mobile, in the
	// library's order.
	special         []specialDesc
	fixed, mobile   typeDesc
	sameFixedMobile bool
}

type specialDesc struct {
	typ  phonenumbers.PhoneNumberType
	desc typeDesc
}

// typeDesc is one PhoneNumberDesc: its possible lengths (any when empty)
// and its national number pattern, anchored at both ends.
type typeDesc struct {
	lengths []int32
	re      *regexp.Regexp
}

func compileDesc(d *phonenumbers.PhoneNumberDesc) typeDesc {
	return typeDesc{
		lengths: d.GetPossibleLength(),
		re:      regexp.MustCompile("^(?:" + d.GetNationalNumberPattern() + ")$"),
	}
}

// matches is the library's isNumberMatchingDesc.
func (d *typeDesc) matches(nsn string) bool {
	if len(d.lengths) > 0 {
		found := false
		for _, l := range d.lengths {
			if int32(len(nsn)) == l {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return d.re.MatchString(nsn)
}

// of is the library's getNumberTypeHelper.
func (rt *regionTypes) of(nsn string) phonenumbers.PhoneNumberType {
	if !rt.general.matches(nsn) {
		return phonenumbers.UNKNOWN
	}
	for i := range rt.special {
		if rt.special[i].desc.matches(nsn) {
			return rt.special[i].typ
		}
	}
	if rt.fixed.matches(nsn) {
		if rt.sameFixedMobile || rt.mobile.matches(nsn) {
			return phonenumbers.FIXED_LINE_OR_MOBILE
		}
		return phonenumbers.FIXED_LINE
	}
	if !rt.sameFixedMobile && rt.mobile.matches(nsn) {
		return phonenumbers.MOBILE
	}
	return phonenumbers.UNKNOWN
}

func compileRegion(md *phonenumbers.PhoneMetadata) *regionTypes {
	rt := &regionTypes{
		general:         compileDesc(md.GetGeneralDesc()),
		fixed:           compileDesc(md.GetFixedLine()),
		mobile:          compileDesc(md.GetMobile()),
		sameFixedMobile: md.GetSameMobileAndFixedLinePattern(),
	}
	if ld := md.GetLeadingDigits(); ld != "" {
		rt.leading = regexp.MustCompile("^(?:" + ld + ")")
	}
	for _, s := range []struct {
		typ  phonenumbers.PhoneNumberType
		desc *phonenumbers.PhoneNumberDesc
	}{
		{phonenumbers.PREMIUM_RATE, md.GetPremiumRate()},
		{phonenumbers.TOLL_FREE, md.GetTollFree()},
		{phonenumbers.SHARED_COST, md.GetSharedCost()},
		{phonenumbers.VOIP, md.GetVoip()},
		{phonenumbers.PERSONAL_NUMBER, md.GetPersonalNumber()},
		{phonenumbers.PAGER, md.GetPager()},
		{phonenumbers.UAN, md.GetUan()},
		{phonenumbers.VOICEMAIL, md.GetVoicemail()},
	} {
		rt.special = append(rt.special, specialDesc{s.typ, compileDesc(s.desc)})
	}
	return rt
}

// phoneMetadata indexes the library's metadata as it does: geographic
// regions by region code, non-geographic entities ("001") by calling code.
var phoneMetadata = sync.OnceValue(func() (m struct {
	regions map[string]*phonenumbers.PhoneMetadata
	nonGeo  map[int]*phonenumbers.PhoneMetadata
}) {
	m.regions = make(map[string]*phonenumbers.PhoneMetadata)
	m.nonGeo = make(map[int]*phonenumbers.PhoneMetadata)
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		panic("pii: libphonenumber metadata: " + err.Error()) // embedded in the library: cannot fail
	}
	for _, md := range coll.GetMetadata() {
		if md.GetId() == "001" {
			m.nonGeo[int(md.GetCountryCode())] = md
		} else {
			m.regions[md.GetId()] = md
		}
	}
	return m
})

// compiled caches the regions compiled so far (regionKey → *regionTypes;
// a nil value when the library has no metadata for the region).
var compiled sync.Map

type regionKey struct {
	cc     int
	region string
}

// typesOf returns the compiled patterns of a region, as the library's
// getMetadataForRegionOrCallingCode finds its metadata; nil when it has
// none.
func typesOf(cc int, region string) *regionTypes {
	key := regionKey{cc, region}
	if rt, ok := compiled.Load(key); ok {
		return rt.(*regionTypes)
	}
	var md *phonenumbers.PhoneMetadata
	if region == "001" {
		md = phoneMetadata().nonGeo[cc]
	} else if phonenumbers.GetSupportedRegions()[region] {
		md = phoneMetadata().regions[region]
	}
	var rt *regionTypes
	if md != nil {
		rt = compileRegion(md)
	}
	v, _ := compiled.LoadOrStore(key, rt)
	return v.(*regionTypes)
}
