package pickle_test

import (
	"bytes"
	"encoding/hex"
	"fmt"

	"github.com/djsession/djsession/python/pickle"
)

func Example() {
	// pickle.dumps({"_auth_user_id": "42", "cart": ("sku-1", 2),
	//     "total": Decimal("19.90"), "at": datetime(2024, 5, 1, 12, 0,
	//     tzinfo=timezone.utc)}, 5), as Django's PickleSerializer writes it
	p, _ := hex.DecodeString("800595b2000000000000007d94288c0d5f617574685f757365725f6964948c023432948c0463617274948c05736b752d31944b0286948c05746f74616c948c07646563696d616c948c07446563696d616c9493948c0531392e393094859452948c026174948c086461746574696d65948c086461746574696d65949394430a07e805010c000000000094680e8c0874696d657a6f6e65949394680e8c0974696d6564656c74619493944b004b004b00879452948594529486945294752e")
	session, err := pickle.UnmarshalDict(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	for k, v := range session.All() {
		fmt.Printf("%s: %v (%T)\n", k, v, v)
	}
	at, _ := session.Get("at")
	t, _ := at.(pickle.DateTime).Time(nil)
	fmt.Println(t)

	again, _ := pickle.Marshal(session)
	fmt.Println("same bytes:", bytes.Equal(again, p))

	_, err = pickle.Unmarshal([]byte("\x80\x04\x95\x18\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93\x94\x8c\x02id\x94\x85\x94R\x94."))
	fmt.Println(err)
	// Output:
	// _auth_user_id: 42 (string)
	// cart: [sku-1 2] (pickle.Tuple)
	// total: 19.90 (pickle.Decimal)
	// at: 2024-05-01 12:00:00+00:00 (pickle.DateTime)
	// 2024-05-01 12:00:00 +0000 UTC
	// same bytes: true
	// pickle: unsupported value: global os.system
}
